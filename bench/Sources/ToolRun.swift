import Foundation

/// One run of one tool on one case: it forwards for a while, and we read its rate once a second.
struct ToolRun {
    let tool: String
    let executable: String
    let arguments: [String]
    let directory: String
    /// Where to read the rate from.
    let meter: Meter
    /// Processes to start once the tool is up (stand-in VMs), stopped with it.
    var companions: (() throws -> [Process])?

    enum Meter {
        /// vmswitch's `--stats-json` file: frames received on `port` over the worker's clock.
        case vmswitchStats(file: String, port: String)
        /// dpdk-testpmd's `--stats-period 1` output: Rx-pps of port `port`.
        case testpmdOutput(port: Int)
    }

    /// Starts the tool, skips `warmup` windows, collects `windows` one-second rates (Mpps), stops it.
    func measure(windows: Int, warmup: Int = 2) throws -> [Double] {
        let launched = try launch()
        defer { launched.stop() }
        var rates: [Double] = []
        let deadline = Date().addingTimeInterval(Double(windows + warmup) * 3 + 30)
        var last: (seconds: Double, frames: Double)?
        var consumed = 0
        while rates.count < windows + warmup && Date() < deadline && launched.process.isRunning {
            usleep(200_000)
            switch meter {
            case .vmswitchStats(let file, let port):
                guard let sample = Self.vmswitchSample(file: file, port: port) else { continue }
                if let previous = last, sample.seconds - previous.seconds >= 0.9 {
                    rates.append((sample.frames - previous.frames) / (sample.seconds - previous.seconds) / 1e6)
                    last = sample
                } else if last == nil {
                    last = sample
                }
            case .testpmdOutput(let port):
                let output = (try? String(contentsOfFile: launched.log, encoding: .utf8)) ?? ""
                let all = Self.testpmdRates(output, port: port)
                rates += all.dropFirst(consumed)
                consumed = all.count
            }
        }
        guard rates.count >= windows + warmup else { throw launched.failure("only \(rates.count) rate windows") }
        return Array(rates.dropFirst(warmup).prefix(windows))
    }

    /// Starts the tool (and its companions), its output into `<tool>.log`; a vmswitch run's stats
    /// file from an earlier round is removed first, so that every sample read is this run's.
    func launch() throws -> Launched {
        if case .vmswitchStats(let file, _) = meter { try? FileManager.default.removeItem(atPath: file) }
        let log = "\(directory)/\(tool).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        Cleanup.started(process)
        let launched = Launched(tool: tool, process: process, handle: handle, log: log)
        if let companions {
            do {
                launched.companions = try companions()
            } catch {
                launched.stop()
                throw error
            }
            launched.companions.forEach(Cleanup.started)
        }
        return launched
    }

    static func vmswitchSample(file: String, port: String) -> (seconds: Double, frames: Double)? {
        guard let data = FileManager.default.contents(atPath: file),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = json["seconds"] as? Double,
              let ports = json["ports"] as? [String: Any], let entry = ports[port] as? [String: Any],
              let rx = entry["rx"] as? Double
        else { return nil }
        return (seconds, rx)
    }

    /// Rx-pps figures of `port` from testpmd's periodic NIC statistics, in Mpps.
    static func testpmdRates(_ output: String, port: Int) -> [Double] {
        var rates: [Double] = []
        var inPort = false
        for line in output.split(separator: "\n") {
            if line.contains("NIC statistics for port") {
                inPort = line.contains("NIC statistics for port \(port) ")
            } else if inPort, line.contains("Rx-pps:") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if let index = fields.firstIndex(of: "Rx-pps:"), index + 1 < fields.count, let pps = Double(fields[index + 1]) {
                    rates.append(pps / 1e6)
                }
                inPort = false
            }
        }
        return rates
    }
}

/// A started tool: stopped (companions first) with SIGINT, then SIGKILL if it lingers.
final class Launched {
    let tool: String
    let process: Process
    let handle: FileHandle?
    let log: String
    var companions: [Process] = []

    init(tool: String, process: Process, handle: FileHandle?, log: String) {
        self.tool = tool
        self.process = process
        self.handle = handle
        self.log = log
    }

    func stop() {
        for companion in companions { Launched.stop(companion, grace: 10) }
        Launched.stop(process, grace: 15)
        try? handle?.close()
    }

    /// An error naming the tool, with the end of its output.
    func failure(_ what: String) -> BenchError {
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000)
        return BenchError("\(tool): \(what); its output ends:\n\(tail)")
    }

    /// SIGCONT (a paired run may be holding it), SIGINT, then SIGKILL after `grace` seconds.
    static func stop(_ process: Process, grace: Double) {
        if process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGINT)
        }
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        Cleanup.stopped(process)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
