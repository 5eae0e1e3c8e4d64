import Foundation
import Testing

/// `make bench` interrupted (Ctrl-C, or SIGTERM from a timeout) while dpdk-testpmd forwards: the
/// bench stops what it started and leaves no process, hugepage file or runtime directory behind.
@Suite(.serialized) struct BenchInterruptTests {
    static let bench = URL(fileURLWithPath: Harness.binary).deletingLastPathComponent()
        .appendingPathComponent("vmswitch-bench").path

    /// Processes whose command line names a bench file prefix.
    static func benchProcesses() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid -> String? in
            guard Int(pid) != nil, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return line.contains("--file-prefix bench-") ? "\(pid): \(line)" : nil
        }
    }

    static func residue() -> [String] {
        ["/dev/hugepages", "/var/run/dpdk"].flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("bench-") }.map { "\(directory)/\($0)" }
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func anInterruptedBenchLeavesNothingBehind(signal: Int32) throws {
        try #require(FileManager.default.isExecutableFile(atPath: BenchInterruptTests.bench),
                     "no \(BenchInterruptTests.bench): make test builds it with the tests")
        #expect(BenchInterruptTests.benchProcesses().isEmpty, "bench processes before the test")
        let work = try Harness("bench-interrupt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BenchInterruptTests.bench)
        process.currentDirectoryURL = URL(fileURLWithPath: work.directory)
        var environment = ProcessInfo.processInfo.environment
        environment["BENCH_CASES"] = "mix64-rewrite50"
        environment["BENCH_TOOLS"] = "testpmd-io"
        environment["BENCH_ROUNDS"] = "1"
        environment["BENCH_WINDOWS"] = "60"
        environment["BENCH_JSON"] = work.path("bench.json")
        process.environment = environment
        let log = work.path("bench.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try withSignalsUnblocked { try process.run() }
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Wait until testpmd forwards (its runtime directory exists), then interrupt the bench.
        let started = Date()
        while !FileManager.default.fileExists(atPath: "/var/run/dpdk/bench-testpmd") && Date().timeIntervalSince(started) < 60 {
            usleep(100_000)
        }
        try #require(FileManager.default.fileExists(atPath: "/var/run/dpdk/bench-testpmd"),
                     "testpmd never started: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        sleep(2)
        #expect(!BenchInterruptTests.benchProcesses().isEmpty)
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(100_000) }
        #expect(!process.isRunning, "the bench did not exit within 30 s of the signal")
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signal)
        #expect(BenchInterruptTests.benchProcesses().isEmpty, "left running: \(BenchInterruptTests.benchProcesses())")
        #expect(BenchInterruptTests.residue().isEmpty, "left behind: \(BenchInterruptTests.residue())")
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(output.contains("interrupted; stopping what it started"), "\(output)")
    }
}
