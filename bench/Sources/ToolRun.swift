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
        var others: [Process] = []
        defer {
            for other in others { stop(other) }
            Cleanup.stopped(process)
            if process.isRunning { kill(process.processIdentifier, SIGINT) }
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            try? handle?.close()
        }
        if let companions {
            others = try companions()
            others.forEach(Cleanup.started)
        }
        var rates: [Double] = []
        let deadline = Date().addingTimeInterval(Double(windows + warmup) * 3 + 30)
        var last: (seconds: Double, frames: Double)?
        var consumed = 0
        while rates.count < windows + warmup && Date() < deadline && process.isRunning {
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
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                let all = Self.testpmdRates(output, port: port)
                rates += all.dropFirst(consumed)
                consumed = all.count
            }
        }
        guard rates.count >= windows + warmup else {
            let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000)
            throw BenchError("\(tool): only \(rates.count) rate windows; its output ends:\n\(tail)")
        }
        return Array(rates.dropFirst(warmup).prefix(windows))
    }

    func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        Cleanup.stopped(process)
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

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
