import Dataplane
import Foundation
import VMSwitchCore

/// How `vmswitch run` runs: when to stop, what to print and write.
public struct RunSettings: Sendable {
    public var duration: Double?
    public var exitIdle: Double?
    public var statsInterval: Double?
    public var statsJSON: String?
    public var ealArguments: [String] = []

    public init() {}
}

/// The lifecycle of one run: start, watch (links, signals, timers), stop, report.
struct SwitchRunner {
    let config: SwitchConfig
    let settings: RunSettings

    /// Under systemd (`JOURNAL_STREAM` set) each line starts with its syslog priority, so the
    /// journal shows warnings and errors as such.
    static let toJournal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil

    static func log(_ message: String) {
        print((toJournal ? priority(of: message) : "") + "vmswitch: \(message)")
        fflush(nil)
    }

    /// `<3>` (error) for refusals and failures, `<4>` (warning) for warnings, `<6>` (info) else.
    static func priority(of message: String) -> String {
        if message.contains(" refused: ") || message.hasPrefix("error") { return "<3>" }
        return message.hasPrefix("warning") ? "<4>" : "<6>"
    }

    func run() throws -> StatsSnapshot {
        installSignalHandlers()
        let eal = ["vmswitch"] + EALArguments.compose(
            user: settings.ealArguments, ports: config.policy.ports,
            defaultLcores: EALArguments.defaultLcores(allowedCPUs: allowedCPUs()))
        let running = Switch(policy: config.policy, options: config.options)
        running.log = SwitchRunner.log
        running.configurationFile = config.file
        SwitchRunner.log("EAL arguments: \(eal.dropFirst().joined(separator: " "))")
        try running.start(ealArguments: eal)
        SwitchTelemetry.attach(running)
        defer { SwitchTelemetry.detach() }
        if let placement = running.placement {
            SwitchRunner.log("placement:")
            placement.report(portNames: config.policy.ports.map(\.name)).forEach { SwitchRunner.log("  \($0)") }
        }
        SwitchRunner.log("running \(config.policy.rules.count) rules, \(config.policy.paths.count) paths on "
                         + "\(config.policy.ports.count) ports (Ctrl-C stops)")
        ServiceManager.ready(status: "running policy version \(running.policyVersion) on \(config.policy.ports.count) ports")
        let started = Date()
        var lastStats = started
        var lastRx: UInt64 = 0
        var lastActivity = started
        while true {
            usleep(50_000)
            running.pollLinks()
            running.maintainMACs()
            let now = Date()
            let signal = stopSignal.load(ordering: .relaxed)
            if signal != 0 {
                SwitchRunner.log("signal \(signal): stopping")
                break
            }
            if reloadRequested.exchange(false, ordering: .relaxed) || running.reloads.take() {
                ServiceManager.reloading()
                running.reloads.finish(reload(running))
                ServiceManager.ready(status: "running policy version \(running.policyVersion)")
            }
            if let duration = settings.duration, now.timeIntervalSince(started) >= duration { break }
            let rx = running.totalReceived()
            if rx != lastRx {
                lastRx = rx
                lastActivity = now
            }
            if let idle = settings.exitIdle, now.timeIntervalSince(lastActivity) >= idle {
                SwitchRunner.log("no frame for \(idle) s: stopping")
                break
            }
            if let interval = settings.statsInterval, now.timeIntervalSince(lastStats) >= interval {
                lastStats = now
                let stats = running.snapshot()
                print(StatsReport.render(stats) + "\n")
                fflush(nil)
                if let path = settings.statsJSON { try writeJSON(stats, to: path) }
            }
        }
        ServiceManager.stopping()
        SwitchTelemetry.detach()  // no telemetry request may read what stopping frees
        guard let final = running.stop() else { throw SwitchError("the switch did not run") }
        print("\n" + StatsReport.render(final))
        if let path = settings.statsJSON { try writeJSON(final, to: path) }
        return final
    }

    /// Re-reads the configuration file and puts its policy in force; a bad file or a change that
    /// needs a restart is refused and the running policy stays. Returns what happened.
    func reload(_ running: Switch) -> String {
        let file = config.file
        do {
            let fresh = try ConfigLoader.load(path: file)
            guard fresh.options == config.options else {
                throw SwitchError("dataplane or workers settings changed: restart vmswitch to apply them")
            }
            let version = try running.apply(fresh.policy)
            let message = "reloaded \(file): policy version \(version) in force (\(fresh.policy.rules.count) rules, "
                + "\(fresh.policy.paths.count) paths)"
            SwitchRunner.log(message)
            return message
        } catch {
            let message = "reload of \(file) refused: \(error); policy version \(running.policyVersion) stays in force"
            SwitchRunner.log(message)
            return message
        }
    }

    /// Writes the counters whole (a temporary file renamed over the old one), so a reader never
    /// sees half a file.
    func writeJSON(_ stats: StatsSnapshot, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(stats).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The CPUs this process may run on (its affinity), from /proc/self/status.
    func allowedCPUs() -> [Int] {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return [0] }
        let list = line.split(separator: ":")[1].filter { !$0.isWhitespace }
        return list.split(separator: ",").flatMap { part -> [Int] in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            guard let low = bounds.first, let high = bounds.last else { return [] }
            return Array(low...high)
        }
    }
}
