import Foundation
import Testing

/// The release build's worker loop, and every function of ours it calls, must not allocate,
/// touch reference counts, check exclusivity dynamically, initialise globals lazily or lock.
/// Reads the binary's disassembly, so a regression fails here rather than in a benchmark.
@Suite struct HotLoopTests {
    static let forbidden = ["swift_retain", "swift_release", "swift_beginAccess", "swift_once", "swift_allocObject",
                            "swift_bridgeObjectRetain", "swift_bridgeObjectRelease", "malloc", "free@", "calloc",
                            "pthread_mutex", "swift_isUniquelyReferenced", "swift_task", "swift_dynamicCast"]
    static let entry = "$s9Dataplane9runWorkeryySpyAA0C7ContextVGF"

    /// Function name -> the end of its body (start + size), from the symbol table. objdump shows
    /// code without a symbol of its own (the linker's placement of local helpers) under the
    /// function before it; that code is not the function's.
    static func functionEnds(of binary: String) throws -> [String: UInt64] {
        let result = try Harness.run("/usr/bin/nm", ["-S", "--defined-only", binary], timeout: 120)
        var ends: [String: UInt64] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3)
            guard fields.count == 4, let start = UInt64(fields[0], radix: 16), let size = UInt64(fields[1], radix: 16),
                  size > 0 else { continue }
            ends[String(fields[3])] = start + size
        }
        return ends
    }

    /// Function name -> the call (and tail-call) targets in its body, from `objdump -d`.
    static func callGraph(of binary: String) throws -> [String: [String]] {
        let result = try Harness.run("/usr/bin/objdump", ["-d", "--no-show-raw-insn", binary], timeout: 120)
        let ends = try functionEnds(of: binary)
        var graph: [String: [String]] = [:]
        var current: String?
        var end = UInt64.max
        for line in result.output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix(">:"), let open = line.firstIndex(of: "<") {
                current = String(line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -2)])
                graph[current!] = []
                end = ends[current!] ?? .max
                continue
            }
            if let colon = line.firstIndex(of: ":"),
               let address = UInt64(line[..<colon].trimmingCharacters(in: .whitespaces), radix: 16), address >= end {
                current = nil  // past the function's symbol: someone else's code
            }
            if let current, line.contains("call"), let open = line.lastIndex(of: "<"),
                      let close = line.lastIndex(of: ">"), open < close {
                graph[current]!.append(String(line[line.index(after: open)..<close]))
            } else if let current, line.contains("\tjmp"), let open = line.lastIndex(of: "<"),
                      let close = line.lastIndex(of: ">"), open < close, !line[open..<close].contains("+") {
                // A tail call: a jump to the start of another function.
                graph[current]!.append(String(line[line.index(after: open)..<close]))
            } else if let current, line.contains("call") {
                graph[current]!.append("indirect")
            }
        }
        return graph
    }

    @Test func workerLoopIsFreeOfRuntimeCalls() throws {
        let binary = Harness.binary
        guard binary.contains("/release/") else {
            print("skipped: \(binary) is not a release build (make test builds one)")
            return
        }
        let graph = try HotLoopTests.callGraph(of: binary)
        #expect(graph[HotLoopTests.entry] != nil, "no \(HotLoopTests.entry) in \(binary)")
        var seen: Set<String> = []
        var pending = [HotLoopTests.entry]
        var offenders: [String] = []
        while let function = pending.popLast() {
            guard seen.insert(function).inserted else { continue }
            for callee in graph[function] ?? [] {
                if HotLoopTests.forbidden.contains(where: { callee.contains($0) }) {
                    offenders.append("\(function) calls \(callee)")
                } else if callee.contains("+0x") {
                    // Code without a symbol of its own (shown as an offset into the one before
                    // it): it cannot be walked, so the loop must not call it.
                    offenders.append("\(function) calls code without a symbol: \(callee)")
                } else if callee.hasPrefix("$s12VMSwitchCore") || callee.hasPrefix("$s9Dataplane") {
                    pending.append(callee)  // our own code: its body counts as the loop's
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
        // The walk reached the burst pipeline's every stage and its slow paths, so it really
        // followed the loop's calls.
        for stage in ["10parseStage", "11lookupStage", "13classifyStage", "10matchStage", "11decideStage",
                      "13recolourStage", "8qosStage", "11switchStage", "17lookUpDestination"] {
            #expect(seen.contains { $0.hasPrefix("$s12VMSwitchCore" + stage) }, "\(stage) not reached: \(seen)")
        }
    }
}
