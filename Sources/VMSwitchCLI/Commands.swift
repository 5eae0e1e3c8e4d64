import ArgumentParser
import Dataplane
import Foundation
import VMSwitchCore

public struct VMSwitchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vmswitch",
        abstract: "A DPDK VM-to-VM switch that verifies and rewrites DSCP per policy.",
        version: VMSwitchVersion.current,
        subcommands: [Run.self, Check.self, Stats.self, Macs.self, Audit.self, Reload.self, Exporter.self, Demo.self])

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

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report which port marks what, how often the policy had to rewrite, and what monitor-mode rules would do.")

    @Option(help: "Read the counters from a --stats-json file.") var stats: String?
    @Option(name: .customLong("file-prefix"), help: "Read a running switch's counters (its EAL --file-prefix).")
    var filePrefix: String = "vmswitch"
    @Option(help: "How many (received -> assigned) pairs to show per port.") var top = 3
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let snapshot: StatsSnapshot
        if let stats {
            do {
                snapshot = try JSONDecoder().decode(StatsSnapshot.self, from: Data(contentsOf: URL(fileURLWithPath: stats)))
            } catch {
                FileHandle.standardError.write(Data("vmswitch: cannot read \(stats): \(error)\n".utf8))
                throw ExitCode(1)
            }
        } else {
            snapshot = try runningStats(filePrefix)
        }
        let report = AuditReport(snapshot, top: top)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.render())
        }
    }
}

/// A running switch's counters over telemetry; a clear error and exit 1 when there is none.
func runningStats(_ filePrefix: String) throws -> StatsSnapshot {
    do {
        return try TelemetryClient.stats(filePrefix: filePrefix)
    } catch {
        FileHandle.standardError.write(Data("vmswitch: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a running switch's counters (over DPDK telemetry).")

    @Option(name: .customLong("file-prefix"), help: "The running switch's EAL --file-prefix.")
    var filePrefix: String = "vmswitch"
    @Option(help: "Refresh every this many seconds until interrupted.") var watch: Double?
    @Flag(help: "Print the counters as JSON.") var json = false

    func run() throws {
        repeat {
            let stats = try runningStats(filePrefix)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(stats), as: UTF8.self))
            } else {
                if watch != nil { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print("vmswitch \(filePrefix): policy version \(stats.policyVersion)\n")
                print(StatsReport.render(stats))
            }
            fflush(nil)
            if let watch { usleep(UInt32(watch * 1_000_000)) }
        } while watch != nil
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a running switch re-read its configuration file (as SIGHUP does).")

    @Option(name: .customLong("file-prefix"), help: "The running switch's EAL --file-prefix.")
    var filePrefix: String = "vmswitch"

    func run() throws {
        let reply: [String: Any]
        do {
            let client = try TelemetryClient(filePrefix: filePrefix)
            defer { client.close() }
            reply = try client.query("/vmswitch/reload") as? [String: Any] ?? [:]
        } catch {
            FileHandle.standardError.write(Data("vmswitch: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let version = reply["version"] as? Int ?? 0
        let message = reply["message"] as? String ?? "no answer"
        if reply["reloaded"] as? Int == 1 {
            print("reloaded: policy version \(version) in force")
        } else {
            print("refused: policy version \(version) stays in force (the switch's log has the whole reason)")
            print(message)
            throw ExitCode(1)
        }
    }
}
