// libFuzzer target over vmswitch's DPDK-free core: parse -> decide -> rewrite on arbitrary bytes,
// under one of a set of valid policies (the input's first byte picks it). Built by
// Fuzz/run-fuzzer.sh with -sanitize=fuzzer,address; any crash, out-of-bounds access or broken
// invariant stops the fuzzer with the input that caused it.
//
// Invariants, for every input:
// - no byte changes but the DSCP bits and, for IPv4, the header checksum;
// - the ECN bits never change; IPv6 version and flow label never change;
// - an IPv4 header whose checksum was valid still verifies;
// - the decision is deterministic, and the same with or without the flow cache (and on a hit);
// - on a port with port security, a frame whose source MAC is not the port's own is dropped as
//   spoofed (unless malformed);
// - the input and variants of it (bytes flipped, truncated), as two bursts, get the same frames
//   out, dispatches, MAC table, totals and audit counters from `decideBurst` (the staged
//   pipeline, with its admission-controlled cache and the worker's memory of recent MACs) as from
//   `decideFrame` frame by frame, with the same meter colours for policed rules. Between the two
//   bursts the clock ticks, and, depending on the input's length, another worker learns its
//   source MAC on another port and the aging sweep removes what the first burst learned.

// Compiled into one module with the core's sources (see run-fuzzer.sh).
#if canImport(VMSwitchCore)
import VMSwitchCore
#endif
import Synchronization

let policies: [CompiledPolicy] = (0..<16).map { seed in try! CompiledPolicy(FuzzPolicies.make(seed: UInt64(seed))) }
let flowMemory = UnsafeMutableRawPointer.allocate(byteCount: FlowCache.byteCount(capacity: 1024), alignment: 64)
let flows = FlowCache(memory: flowMemory, capacity: 1024)
let burstFlowMemory = UnsafeMutableRawPointer.allocate(byteCount: FlowCache.byteCount(capacity: 64), alignment: 64)
let burstFlows = FlowCache(memory: burstFlowMemory, capacity: 64)
let burstMemory = UnsafeMutableRawPointer.allocate(byteCount: BurstFrames.byteCount, alignment: 64)
let burst = BurstFrames(memory: burstMemory)
let ruleCache = RuleCache(memory: UnsafeMutableRawPointer.allocate(byteCount: RuleCache.byteCount(capacity: 16), alignment: 64),
                          capacity: 16)
let auditCount = 64 * 64 + 2 * 64 + 8
let auditMemory = (0..<2).map { _ in UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: auditCount) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let policy = policies[Int(data[0]) % policies.count]
    let ingress = Int(data[1] >> 4) % policy.policy.ports.count
    let length = size - 2
    let original = Array(UnsafeBufferPointer(start: data + 2, count: length))

    let plain = decide(original, ingress: ingress, policy: policy, flows: .disabled)
    let again = decide(original, ingress: ingress, policy: policy, flows: .disabled)
    let cachedMiss = decide(original, ingress: ingress, policy: policy, flows: flows)
    let cachedHit = decide(original, ingress: ingress, policy: policy, flows: flows)
    for other in [again, cachedMiss, cachedHit] {
        check(other.bytes == plain.bytes, "non-deterministic bytes")
        check(other.verdict.egress == plain.verdict.egress && other.verdict.rule == plain.verdict.rule
              && other.verdict.outcome == plain.verdict.outcome && other.verdict.dropReason == plain.verdict.dropReason,
              "non-deterministic verdict")
    }
    let after = plain.bytes
    let parsed = original.withUnsafeBytes { parseFrame($0.baseAddress!, length: length) }
    var allowed: Set<Int> = []
    if parsed.kind == .ipv4 {
        allowed = [parsed.l3 + 1, parsed.l3 + 10, parsed.l3 + 11]
        check(after[parsed.l3 + 1] & 3 == original[parsed.l3 + 1] & 3, "IPv4 ECN changed")
        let headerLength = Int(original[parsed.l3] & 0x0F) * 4
        if checksum(original[parsed.l3..<parsed.l3 + headerLength]) == 0 {
            check(checksum(after[parsed.l3..<parsed.l3 + headerLength]) == 0, "a valid IPv4 checksum broke")
        }
    } else if parsed.kind == .ipv6 {
        allowed = [parsed.l3, parsed.l3 + 1]
        check(after[parsed.l3] & 0xF0 == original[parsed.l3] & 0xF0, "IPv6 version changed")
        check(after[parsed.l3 + 1] & 0x3F == original[parsed.l3 + 1] & 0x3F, "IPv6 ECN or flow label changed")
    }
    for index in 0..<length where after[index] != original[index] {
        check(allowed.contains(index), "byte \(index) changed outside DSCP and checksum")
    }
    if plain.verdict.outcome == .verified || plain.verdict.dropReason == .malformed || parsed.kind == .nonIP {
        check(after == original, "a frame that needed no rewrite changed")
    }
    let port = policy.policy.ports[ingress]
    if port.portSecurity && parsed.kind != .malformed && length >= 12 && !port.macs.contains(MACAddress(Array(original[6..<12]))) {
        check(plain.verdict.dropReason == .spoofed && plain.verdict.egress == Verdict.drop,
              "port security let a foreign source MAC through")
    }
    checkBurst(original, ingress: ingress, policy: policy, variants: Int(data[1] & 0x0F))
    return 0
}

/// The input and `variants` variants of it as two bursts, through both pipelines.
func checkBurst(_ original: [UInt8], ingress: Int, policy: CompiledPolicy, variants: Int) {
    var frames = [original]
    for index in 0..<variants {
        var variant = Array(original.prefix(max(0, original.count - (index * 3) % 9)))
        if !variant.isEmpty { variant[(index * 7) % variant.count] ^= UInt8(truncatingIfNeeded: index &* 37 | 1) }
        frames.append(index % 3 == 0 ? original : variant)
    }
    let reference = decideAll(frames, ingress: ingress, policy: policy, batched: false)
    let batched = decideAll(frames, ingress: ingress, policy: policy, batched: true)
    check(batched.bytes == reference.bytes, "burst: frame bytes differ")
    check(batched.dispatches == reference.dispatches, "burst: dispatches differ")
    check(batched.tally == reference.tally, "burst: totals differ")
    check((0..<auditCount).allSatisfy {
        auditMemory[0][$0].load(ordering: .relaxed) == auditMemory[1][$0].load(ordering: .relaxed)
    }, "burst: audit counters differ")
    check(batched.macs == reference.macs, "burst: MAC tables differ")
}

func decideAll(_ frames: [[UInt8]], ingress: Int, policy: CompiledPolicy, batched: Bool)
    -> (bytes: [[UInt8]], dispatches: [UInt64], tally: QoSTally, macs: [UInt64]) {
    // Exactly sized heap copies, so AddressSanitizer sees any read past a frame.
    let copies = frames.map { frame -> UnsafeMutablePointer<UInt8> in
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(frame.count, 1))
        copy.initialize(from: frame, count: frame.count)
        return copy
    }
    let macMemory = UnsafeMutableRawPointer.allocate(byteCount: MACTable.byteCount(capacity: 16), alignment: 64)
    // Small, so a burst's sources and destinations collide in it (it lives as long as the table).
    let recentMemory = UnsafeMutableRawPointer.allocate(byteCount: RecentMACs.byteCount(capacity: 4), alignment: 64)
    let recent = RecentMACs(memory: recentMemory, capacity: 4)
    var learned = MACTable(memory: macMemory, capacity: 16)
    let counters = auditMemory[batched ? 1 : 0]
    UnsafeMutableRawPointer(counters).initializeMemory(as: UInt64.self, repeating: 0, count: auditCount)
    defer {
        copies.forEach { $0.deallocate() }
        macMemory.deallocate()
        recentMemory.deallocate()
    }
    let audit = AuditCounters(rules: counters + 64 * 64, pairs: counters, paths: counters + 64 * 64 + 2 * 64)
    var tally = QoSTally()
    var dispatches: [UInt64] = []
    let first = (frames.count + 1) / 2
    for part in [0..<first, first..<frames.count] where !part.isEmpty {
        if part.lowerBound > 0 { betweenBursts(frames[0], ingress: ingress, policy: policy, learned: &learned) }
        for (slot, index) in part.enumerated() {
            burst.data[slot] = UnsafeMutableRawPointer(copies[index])
            burst.length[slot] = frames[index].count
            burst.colours[slot] = UInt8((index &* 7 &+ frames[index].count) % 3)  // meter colours, as the dataplane gives them
            // Both runs share `burst`: what the first left must not stand in for a dispatch the
            // second failed to write.
            burst.dispatches[slot].bits = ~UInt64(index)
        }
        if batched {
            decideBurst(burst, count: part.count, ingress: ingress, policy: policy.image, learned: learned, flows: burstFlows,
                        rules: ruleCache, recent: recent, tally: &tally, audit: audit)
        } else {
            decideBurstOneByOne(burst, count: part.count, ingress: ingress, policy: policy.image, learned: learned,
                                flows: flows, tally: &tally, audit: audit)
        }
        dispatches += (0..<part.count).map { burst.dispatches[$0].bits }
    }
    return (frames.indices.map { Array(UnsafeBufferPointer(start: copies[$0], count: frames[$0].count)) },
            dispatches, tally,
            (0..<32).map { learned.words[$0].load(ordering: .relaxed) } + (0..<3).map { UInt64(learned.learnedCount(port: $0)) })
}

/// What happens to the MAC table between two of a worker's bursts: the clock ticks; for a frame
/// whose length is a multiple of 3, another worker learns its source MAC (when unicast) on the
/// next port; for a frame of odd length, the aging sweep removes every entry last refreshed
/// before the tick (all the first burst learned, but not that move).
func betweenBursts(_ frame: [UInt8], ingress: Int, policy: CompiledPolicy, learned: inout MACTable) {
    learned.clock += 1
    if frame.count % 3 == 0 && frame.count >= 12 && frame[6] & 1 == 0 {
        let source = frame[6..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        learned.learn(source, port: (ingress + 1) % policy.policy.ports.count)
    }
    if frame.count % 2 == 1 { _ = learned.removeEntries(refreshedBefore: learned.clock) }
}

func decide(_ frame: [UInt8], ingress: Int, policy: CompiledPolicy, flows: FlowCache) -> (verdict: Verdict, bytes: [UInt8]) {
    // An exactly sized heap copy, so AddressSanitizer sees any read past the frame.
    let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(frame.count, 1))
    defer { copy.deallocate() }
    copy.initialize(from: frame, count: frame.count)
    let macMemory = UnsafeMutableRawPointer.allocate(byteCount: MACTable.byteCount(capacity: 16), alignment: 64)
    defer { macMemory.deallocate() }
    var memo = MACMemo()
    let verdict = decideFrame(UnsafeMutableRawPointer(copy), length: frame.count, ingress: ingress, policy: policy.image,
                              learned: MACTable(memory: macMemory, capacity: 16), flows: flows, memo: &memo)
    return (verdict, Array(UnsafeBufferPointer(start: copy, count: frame.count)))
}

func checksum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
    var sum: UInt32 = 0
    var index = bytes.startIndex
    while index < bytes.endIndex {
        let high = UInt32(bytes[index])
        let low = index + 1 < bytes.endIndex ? UInt32(bytes[index + 1]) : 0
        sum += high << 8 | low
        index += 2
    }
    while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

func check(_ condition: Bool, _ message: String) {
    if !condition { fatalError("invariant broken: \(message)") }
}
