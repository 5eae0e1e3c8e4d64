import ArgumentParser
import Dataplane
import Foundation
import VMSwitchCore

public struct VMSwitchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vmswitch",
        abstract: "A DPDK VM-to-VM switch that verifies and rewrites DSCP per policy.",
        subcommands: [Run.self, Check.self, Demo.self])

    public init() {}
}

/// Prints a configuration error and exits 1, before any DPDK start.
func loadConfig(_ path: String) throws -> SwitchConfig {
    do {
        return try ConfigLoader.load(path: path)
    } catch {
        FileHandle.standardError.write(Data("vmswitch: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func runSwitch(_ config: SwitchConfig, _ settings: RunSettings) throws -> StatsSnapshot {
    do {
        return try SwitchRunner(config: config, settings: settings).run()
    } catch let error as SwitchError {
        FileHandle.standardError.write(Data("vmswitch: error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the switch.",
        discussion: "EAL arguments go after `--`, e.g. `vmswitch run --config sw.yaml -- -l 0,1 -m 512`.")

    @Option(help: "The configuration file (YAML).") var config: String
    @Option(help: "Stop after this many seconds.") var duration: Double?
    @Option(name: .customLong("exit-idle"), help: "Stop once no frame has arrived for this many seconds.")
    var exitIdle: Double?
    @Option(name: .customLong("stats-interval"), help: "Print the counters every this many seconds.")
    var statsInterval: Double?
    @Option(name: .customLong("stats-json"),
            help: "Write the final counters to this file as JSON (and every --stats-interval).")
    var statsJSON: String?
    @Argument(parsing: .postTerminator, help: "EAL arguments (after --).") var eal: [String] = []

    func run() throws {
        let loaded = try loadConfig(config)
        var settings = RunSettings()
        settings.duration = duration
        settings.exitIdle = exitIdle
        settings.statsInterval = statsInterval
        settings.statsJSON = statsJSON
        settings.ealArguments = eal
        _ = try runSwitch(loaded, settings)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a configuration and print the compiled policy (no DPDK, no hugepages).")

    @Option(help: "The configuration file (YAML).") var config: String

    func run() throws {
        let loaded = try loadConfig(config)
        let compiled = try CompiledPolicy(loaded.policy)
        print(PolicyReport.render(loaded, compiled: compiled))
    }
}
