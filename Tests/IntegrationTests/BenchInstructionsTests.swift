import Foundation
import Testing

/// `make bench-instructions` (`vmswitch-bench instructions`) still counts: the statically linked
/// switch under callgrind on one bench case, every stage found and the whole input received.
/// The counts themselves are the bench's business; here they only have to be plausible.
@Suite(.serialized) struct BenchInstructionsTests {
    @Test func theStageCountsComeOutOfCallgrind() throws {
        guard let staticBinary = ProcessInfo.processInfo.environment["VMSWITCH_STATIC_BIN"] else {
            print("skipped: VMSWITCH_STATIC_BIN is not set (make test builds the statically linked vmswitch)")
            return
        }
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind"), "make test installs valgrind")
        try #require(FileManager.default.isExecutableFile(atPath: BenchInterruptTests.bench),
                     "no \(BenchInterruptTests.bench): make test builds it with the tests")
        let work = try Harness("bench-instructions")
        let stripped = work.path("vmswitch-callgrind")
        let strip = try Harness.run("/usr/bin/strip", ["--strip-debug", "-o", stripped, staticBinary])
        try #require(strip.status == 0, "\(strip.error)")
        let result = try Harness.run(BenchInterruptTests.bench, ["instructions", stripped, "mix64-rewrite50"], timeout: 300)
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        var rows: [String: Double] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = Double(fields[1]) { rows[String(fields[0])] = value }
        }
        for stage in ["parseStage", "lookupStage", "classifyStage", "qosStage", "switchStage"] {
            #expect((1.0...500.0).contains(rows[stage] ?? 0), "\(stage): \(result.output)")
        }
        let stages = ["parseStage", "lookupStage", "classifyStage", "qosStage", "switchStage"].compactMap { rows[$0] }
        #expect(abs((rows["decideBurst"] ?? 0) - stages.reduce(0, +)) < 0.5, "\(result.output)")
        #expect(rows["frames"] == 65536, "the 4096 frames replayed 16 times: \(result.output)")
        #expect(BenchInterruptTests.residue().isEmpty, "DPDK files left: \(BenchInterruptTests.residue())")
    }
}
