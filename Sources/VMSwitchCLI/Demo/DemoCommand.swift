import ArgumentParser
import Foundation
import Traffic
import VMSwitchCore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the switch on an embedded sample: an uplink and two VMs as pcap ports.",
        discussion: "Writes the configuration and pcaps into --dir, runs until the samples are replayed, "
            + "and shows the counters and the DSCPs each port sent.")

    @Option(help: "Where the demo's configuration and pcaps go.") var dir = "/tmp/vmswitch-demo"
    @Argument(parsing: .postTerminator, help: "EAL arguments (after --).") var eal: [String] = []

    func run() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, frames) in DemoScenario.traffic() { try PcapFile.write(frames, to: "\(dir)/\(name)-in.pcap") }
        let configPath = "\(dir)/vmswitch-demo.yaml"
        try DemoScenario.configuration(directory: dir).write(toFile: configPath, atomically: true, encoding: .utf8)
        print("vmswitch demo: configuration \(configPath), sample traffic in \(dir)/*-in.pcap\n")
        let config = try loadConfig(configPath)
        var settings = RunSettings()
        settings.exitIdle = 1
        settings.duration = 30
        settings.statsJSON = "\(dir)/stats.json"
        settings.ealArguments = eal
        _ = try runSwitch(config, settings)
        print("\nwhat each port sent (read back from \(dir)/*-out.pcap):")
        for name in DemoScenario.portNames {
            let frames = try PcapFile.read("\(dir)/\(name)-out.pcap")
            var byDSCP: [UInt8: Int] = [:]
            var other = 0
            for frame in frames {
                let parsed = frame.withUnsafeBytes { parseFrame($0.baseAddress!, length: $0.count) }
                if parsed.kind == .ipv4 || parsed.kind == .ipv6 { byDSCP[parsed.dscp, default: 0] += 1 } else { other += 1 }
            }
            let marks = byDSCP.sorted { $0.key < $1.key }.map { "\(DSCP(Int($0.key))!) \($0.value)" }
            print("  \(name.padding(6)) \(String(frames.count).leftPadding(3)) frames: "
                  + (marks + (other > 0 ? ["non-IP \(other)"] : [])).joined(separator: ", "))
        }
        print("\ncounters as JSON: \(dir)/stats.json")
    }
}
