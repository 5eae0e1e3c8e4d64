import VMSwitchCLI

/// The command line (`VMSwitchCLI`); async because `vmswitch exporter` runs an HTTP server.
@main struct VMSwitchMain {
    static func main() async {
        await VMSwitchCommand.main()
    }
}
