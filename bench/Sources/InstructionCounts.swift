import Foundation
import Traffic

/// `vmswitch-bench instructions STATIC_BINARY [CASES]` (`make bench-instructions`): instructions a
/// frame in each stage of the burst pipeline, counted by callgrind, on the bench's own cases
/// (its policies, its traffic). Unlike Mpps these counts do not move with what else runs on the
/// machine, so two builds can be compared to the instruction.
///
/// Each case runs the statically linked `vmswitch` (valgrind cannot follow the dynamically linked
/// one's async entry, nor read the release DWARF: pass a `strip --strip-debug` copy) on a finite
/// pcap: the 4096-frame mixes replayed 16 times (so the flow cache's first pass weighs little),
/// flows256k's 262,144 flows once. The stages are separate functions, so callgrind's inclusive
/// count of each, divided by the frames received, is its per-frame figure; `processBurst`'s own
/// is its exclusive count (gathering, TX buffering, drop lists, counters).
enum InstructionCounts {
    static let defaultCases = ["mix64-rewrite50", "mix64-nocache", "rules1000-nocache", "flows256k-mix64"]
    /// Rows: the label, and the part of the mangled name that identifies the function.
    static let stages: [(label: String, symbol: String)] = [
        ("parseStage", "10parseStage_"), ("lookupStage", "11lookupStage_"), ("classifyStage", "13classifyStage_"),
        ("  matchStage", "10matchStage_"), ("  decideStage", "11decideStage_"), ("macPrefetchStage", "16macPrefetchStage_"),
        ("recolourStage", "13recolourStage_"), ("qosStage", "8qosStage_"), ("switchStage", "11switchStage_"),
    ]
    static let repeats = ["flows256k-mix64": 1, "macs16k-mix64": 1]

    static func run(binary: String, cases names: [String], work: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind") else {
            throw BenchError("valgrind is not installed (make bench-instructions installs it)")
        }
        let wanted = Set(names)
        let cases = try BenchCase.all(frames: 4096, including: { wanted.contains($0) }).filter { wanted.contains($0.name) }
            .sorted { names.firstIndex(of: $0.name)! < names.firstIndex(of: $1.name)! }
        let unknown = wanted.subtracting(cases.map(\.name))
        guard unknown.isEmpty, cases.allSatisfy({ !$0.vhost }) else {
            throw BenchError("instructions: unknown or unsupported case(s): \(unknown.sorted().joined(separator: ", "))")
        }
        var columns: [(name: String, perFrame: [String: Double], frames: Int)] = []
        for benchCase in cases {
            let repeated = repeats[benchCase.name] ?? 16
            let input = "\(work)/\(benchCase.name)-finite.pcap"
            try PcapFile.write(Array([[[UInt8]]](repeating: benchCase.traffic, count: repeated).joined()), to: input)
            let config = "\(work)/\(benchCase.name)-finite.yaml"
            try benchCase.configuration(input).replacingOccurrences(of: ",infinite_rx=1", with: "")
                .write(toFile: config, atomically: true, encoding: .utf8)
            print("instructions: \(benchCase.name) (\(benchCase.traffic.count) frames x \(repeated)) under callgrind")
            fflush(nil)
            let (counts, frames) = try callgrind(binary: binary, name: benchCase.name, config: config, work: work,
                                                 memory: benchCase.memory + 128)
            guard frames == benchCase.traffic.count * repeated else {
                throw BenchError("\(benchCase.name): the switch received \(frames) of \(benchCase.traffic.count * repeated) frames")
            }
            columns.append((benchCase.name, counts.mapValues { $0 / Double(frames) }, frames))
        }
        print("")
        print(table(columns))
    }

    /// Runs the switch under callgrind until its input is replayed; returns the rows' counts (all
    /// frames) and how many frames the input port received.
    static func callgrind(binary: String, name: String, config: String, work: String,
                          memory: Int) throws -> ([String: Double], Int) {
        let output = "\(work)/callgrind.\(name)"
        let stats = "\(work)/\(name)-finite-stats.json"
        let log = "\(work)/\(name)-callgrind.log"
        try run("/usr/bin/valgrind", ["--tool=callgrind", "--callgrind-out-file=\(output)", binary, "run", "--config", config,
                                      "--exit-idle", "2", "--stats-json", stats, "--", "--no-huge", "-m", "\(memory)",
                                      "--file-prefix", "\(Cleanup.prefix)callgrind", "--lcores", "0@0,1@1"], log: log)
        guard let sample = ToolRun.vmswitchSample(file: stats, port: "in") else {
            throw BenchError("\(name): no counters from the switch; its log: \(log)")
        }
        let inclusive = try annotate(output, inclusive: true, log: log)
        let exclusive = try annotate(output, inclusive: false, log: log)
        var counts: [String: Double] = [:]
        for (label, symbol) in stages { counts[label] = inclusive.first { $0.key.contains(symbol) }?.value }
        counts["decideBurst"] = ["parseStage", "lookupStage", "classifyStage", "macPrefetchStage", "recolourStage", "qosStage",
                                 "switchStage"]
            .compactMap { counts[$0] }.reduce(0, +)
        counts["processBurst's own"] = exclusive.first { $0.key.contains("12processBurst_") }?.value
        return (counts, Int(sample.frames))
    }

    /// callgrind_annotate's per-function counts (mangled name: instructions).
    static func annotate(_ file: String, inclusive: Bool, log: String) throws -> [String: Double] {
        let listing = "\(file).\(inclusive ? "inclusive" : "exclusive")"
        try run("/usr/bin/callgrind_annotate", ["--inclusive=\(inclusive ? "yes" : "no")", "--threshold=100", file],
                log: listing)
        var counts: [String: Double] = [:]
        for line in try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n") {
            // "  7,812,912 ( 0.12%)  ???:$s12VMSwitchCore10parseStage_... [binary]"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, let count = Double(fields[0].replacingOccurrences(of: ",", with: "")),
                  let name = fields.first(where: { $0.contains("$s") }) else { continue }
            counts[String(name), default: 0] += count
        }
        return counts
    }

    static func run(_ executable: String, _ arguments: [String], log: String) throws {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        Cleanup.started(process)
        process.waitUntilExit()
        Cleanup.stopped(process)
        Cleanup.removeResidue(workDirectory: nil)
        guard process.terminationStatus == 0 else {
            throw BenchError("\(executable) failed (\(process.terminationStatus)); its output: \(log)")
        }
    }

    static func table(_ columns: [(name: String, perFrame: [String: Double], frames: Int)]) -> String {
        let rows = stages.map(\.label) + ["decideBurst", "processBurst's own"]
        let width = max(18, columns.map(\.name.count).max() ?? 0)
        var text = "instructions a frame".padding(toLength: 20, withPad: " ", startingAt: 0)
            + columns.map { $0.name.leftPadded(width + 2) }.joined() + "\n"
        for row in rows where columns.contains(where: { $0.perFrame[row] != nil }) {
            text += row.padding(toLength: 20, withPad: " ", startingAt: 0)
                + columns.map { ($0.perFrame[row].map { String(format: "%.1f", $0) } ?? "-").leftPadded(width + 2) }.joined()
                + "\n"
        }
        text += "frames".padding(toLength: 20, withPad: " ", startingAt: 0)
            + columns.map { String($0.frames).leftPadded(width + 2) }.joined()
        return text
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
