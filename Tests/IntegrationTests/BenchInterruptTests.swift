import Foundation
import Testing

/// `make bench` interrupted (Ctrl-C, or SIGTERM from a timeout) while dpdk-testpmd forwards, or
/// while two vmswitch runs take turns: the bench stops what it started and leaves no process,
/// hugepage file or runtime directory behind. And a paired run to its end.
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

    /// Starts the bench on `cases` with `tools`, one round of `windows`, in `work`.
    static func startBench(_ work: Harness, cases: String, tools: String, windows: Int) throws -> (Process, String) {
        try #require(FileManager.default.isExecutableFile(atPath: BenchInterruptTests.bench),
                     "no \(BenchInterruptTests.bench): make test builds it with the tests")
        #expect(BenchInterruptTests.benchProcesses().isEmpty, "bench processes before the test")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BenchInterruptTests.bench)
        process.currentDirectoryURL = URL(fileURLWithPath: work.directory)
        var environment = ProcessInfo.processInfo.environment
        environment["BENCH_CASES"] = cases
        environment["BENCH_TOOLS"] = tools
        environment["BENCH_ROUNDS"] = "1"
        environment["BENCH_WINDOWS"] = "\(windows)"
        environment["BENCH_JSON"] = work.path("bench.json")
        process.environment = environment
        let log = work.path("bench.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try withSignalsUnblocked { try process.run() }
        return (process, log)
    }

    /// Waits until every one of `prefixes` has a DPDK runtime directory (its process is up), then
    /// 2 s more, and sends `signal` to the bench: it must stop everything and exit with 128 + signal.
    static func interrupt(_ process: Process, log: String, once prefixes: [String], with signal: Int32) throws {
        let started = Date()
        let up = { prefixes.allSatisfy { FileManager.default.fileExists(atPath: "/var/run/dpdk/\($0)") } }
        while !up() && Date().timeIntervalSince(started) < 60 { usleep(100_000) }
        try #require(up(), "\(prefixes) never started: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
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

    @Test(arguments: [SIGTERM, SIGINT])
    func anInterruptedBenchLeavesNothingBehind(signal: Int32) throws {
        let work = try Harness("bench-interrupt")
        let (process, log) = try BenchInterruptTests.startBench(work, cases: "mix64-rewrite50", tools: "testpmd-io", windows: 60)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try BenchInterruptTests.interrupt(process, log: log, once: ["bench-testpmd"], with: signal)
    }

    /// A paired run (two vmswitch configurations taking turns, one held with SIGSTOP while the
    /// other forwards) interrupted: the held one is stopped too.
    @Test func anInterruptedPairedRunLeavesNothingBehind() throws {
        let work = try Harness("bench-interrupt-paired")
        let (process, log) = try BenchInterruptTests.startBench(work, cases: "mix64-noaudit", tools: "vmswitch,vmswitch-base",
                                                                windows: 60)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try BenchInterruptTests.interrupt(process, log: log, once: ["bench-vmswitch", "bench-vmswitch-base"], with: SIGINT)
    }

    /// A paired run to its end: both configurations forward in turns, four windows of each per
    /// bench window, and the counting target is read from their pairs.
    @Test func aPairedRunReadsItsTargetFromThePairs() throws {
        let work = try Harness("bench-paired")
        let (process, log) = try BenchInterruptTests.startBench(work, cases: "mix64-noaudit", tools: "vmswitch,vmswitch-base",
                                                                windows: 1)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(200_000) }
        #expect(!process.isRunning, "the bench did not finish within 120 s")
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(output)")
        for tool in ["vmswitch", "vmswitch-base"] {
            let prefix = "  round 1 \(tool): "
            let line = output.split(separator: "\n").first { $0.hasPrefix(prefix) }
            let rates = line.map { $0.dropFirst(prefix.count).split(separator: " ").compactMap { Double($0) } } ?? []
            #expect(rates.count == 4 && rates.allSatisfy { $0 > 0 }, "\(tool): \(line ?? "no line")")
        }
        #expect(output.contains("target mix64-noaudit / mix64-rewrite50 (vmswitch, median of 4 neighbouring windows)"),
                "\(output)")
        #expect(BenchInterruptTests.benchProcesses().isEmpty, "left running: \(BenchInterruptTests.benchProcesses())")
        #expect(BenchInterruptTests.residue().isEmpty, "left behind: \(BenchInterruptTests.residue())")
    }
}
