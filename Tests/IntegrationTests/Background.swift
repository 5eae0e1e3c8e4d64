import Foundation
import Testing
import Traffic

/// A process a test runs alongside others (the switch, a stand-in VM): output to files, waits on
/// what it printed, and a stop that never leaves it running.
final class Background {
    let name: String
    let process = Process()
    let outputPath: String
    /// The EAL file prefix, for cleaning up after a process that was killed.
    let prefix: String?
    /// Commands for an interactive process, kept open while it runs (EOF would end it).
    let input: Pipe?

    init(_ name: String, _ executable: String, _ arguments: [String], directory: String, prefix: String?,
         commands: String? = nil, environment: [String: String] = [:]) throws {
        self.name = name
        self.prefix = prefix
        outputPath = "\(directory)/\(name).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let log = FileHandle(forWritingAtPath: outputPath)
        process.standardOutput = log
        process.standardError = log
        input = commands == nil ? nil : Pipe()
        if let input { process.standardInput = input }
        try withSignalsUnblocked { try process.run() }
        if let input, let commands { input.fileHandleForWriting.write(Data(commands.utf8)) }
    }

    deinit { kill() }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    /// Waits until `text` has appeared `count` times in the output.
    @discardableResult
    func waitFor(_ text: String, count: Int = 1, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.components(separatedBy: text).count - 1 >= count { return true }
            if !process.isRunning { break }
            usleep(50_000)
        }
        let found = output.components(separatedBy: text).count - 1 >= count
        if !found { Issue.record("\(name): no \"\(text)\" (x\(count)) within \(timeout) s; output:\n\(output.suffix(3000))") }
        return found
    }

    /// SIGINT, then SIGKILL if it has not exited within `timeout`. Returns the exit status.
    @discardableResult
    func interrupt(timeout: Double = 15) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        Foundation.kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("\(name) ignored SIGINT for \(timeout) s")
            kill()
            return -1
        }
        process.waitUntilExit()
        if let prefix { Harness.removeDPDKFiles(prefix: prefix) }
        return process.terminationStatus
    }

    /// SIGKILL, as a crash would; removes the DPDK files a killed process leaves behind.
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if let prefix { Harness.removeDPDKFiles(prefix: prefix) }
    }
}

/// The test runner's threads block most signals, and a spawned process inherits the spawning
/// thread's mask: unblock them around the spawn so SIGINT reaches the child.
func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
    var none = sigset_t()
    var previous = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
}

extension Harness {
    /// A killed DPDK process leaves its hugepage files and runtime directory (dpdk-testpmd leaves
    /// its runtime directory even when it exits).
    static func removeDPDKFiles(prefix: String) {
        let pages = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/hugepages")) ?? []
        for file in pages where file.hasPrefix(prefix + "map_") { try? FileManager.default.removeItem(atPath: "/dev/hugepages/" + file) }
        try? FileManager.default.removeItem(atPath: "/var/run/dpdk/" + prefix)
    }

    /// DPDK's virtio-user driver in `dpdk-testpmd`, playing a VM: what arrives on its virtio port is
    /// written to `txPcap`, what `rxPcap` holds is sent into the switch (io forwarding both ways).
    ///
    /// `waitForRing`: interactive testpmd with io forwarding that retries (`set fwd io retry`,
    /// `set burst tx delay 20 retry 5000`), so a VM sending a large pcap waits for ring space
    /// instead of dropping what does not fit.
    func standInVM(_ name: String, socket: String, server: Bool = false, rxPcap: String? = nil,
                   txPcap: String = "/dev/null", waitForRing: Bool = false) throws -> Background {
        let input = rxPcap ?? path("\(name)-empty.pcap")
        if rxPcap == nil { try PcapFile.write([], to: input) }
        let prefix = "\(self.prefix)-\(name)-\(UInt16.random(in: 0...UInt16.max))"
        return try Background(name, "/usr/bin/dpdk-testpmd", [
            "--lcores", "0@0,1@1", "-m", "256", "--file-prefix", prefix, "--no-pci", "--single-file-segments",
            "--log-level=pmd.net.virtio.*:warning",
            "--vdev", "net_virtio_user0,path=\(socket),queues=1" + (server ? ",server=1" : ""),
            "--vdev", "net_pcap0,rx_pcap=\(input),tx_pcap=\(txPcap)",
            "--", "--forward-mode=io", "--no-flush-rx", "--total-num-mbufs=8192", "--nb-cores=1",
        ] + (waitForRing ? ["-i"] : ["--stats-period", "1"]), directory: directory, prefix: prefix,
           commands: waitForRing ? "set fwd io retry\nset burst tx delay 20 retry 5000\nstart\n" : nil)
    }

    /// The switch in the background, writing its counters to `stats.json` several times a second.
    /// It cleans up its own DPDK files (`leftDPDKFiles` checks).
    func backgroundSwitch(config: String, eal: [String]? = nil, environment: [String: String] = [:]) throws -> Background {
        let file = try write(config: config)
        return try Background("vmswitch", Harness.binary, [
            "run", "--config", file, "--stats-interval", "0.3", "--stats-json", path("stats.json"), "--",
        ] + (eal ?? self.eal), directory: directory, prefix: nil, environment: environment)
    }

    func stats() throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: Data(contentsOf: URL(fileURLWithPath: path("stats.json"))))
    }

    /// DPDK files the switch left behind after it stopped.
    var leftDPDKFiles: [String] {
        let pages = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/hugepages")) ?? []
        return pages.filter { $0.hasPrefix(prefix + "map_") }
            + (FileManager.default.fileExists(atPath: "/var/run/dpdk/" + prefix) ? ["/var/run/dpdk/" + prefix] : [])
    }

    func waitForFile(_ file: String, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: file) { return true }
            usleep(50_000)
        }
        return false
    }

    /// Polls the switch's counters until `condition` holds.
    @discardableResult
    func waitForStats(timeout: Double = 30, _ what: String, _ condition: (Stats) -> Bool) -> Stats? {
        let deadline = Date().addingTimeInterval(timeout)
        var last: Stats?
        while Date() < deadline {
            if let stats = try? stats() {
                last = stats
                if condition(stats) { return stats }
            }
            usleep(100_000)
        }
        Issue.record("counters never showed \(what) within \(timeout) s")
        return last
    }
}
