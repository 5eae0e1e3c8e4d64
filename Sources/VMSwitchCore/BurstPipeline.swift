import CoreSupport

/// The per-frame pipeline of `decideFrame`, run a stage at a time over a whole burst, each stage a
/// tight loop (as DPDK's l3fwd and VPP's graph nodes do): every frame's flow-cache and MAC-table
/// slots are being loaded before any frame waits on one, and misses are classified together.
///
/// 1. `parseStage`: parse (the common shapes at fixed offsets, `commonShape`), flow key, MAC
///    addresses; while the flow cache is in use, the key's hash and a prefetch of its slots.
///    (Not the MAC tables': the worker's `RecentMACs`, small enough to stay in cache, answers
///    for the addresses it has seen; see stage 4 for when it does not.)
/// 2. `lookupStage`: the flow cache answers what it can; the rest is listed as misses. (While
///    the cache's governor has it stood aside, everything is a miss.)
/// 3. `classifyStage`: the misses are classified together (`BurstClassify.swift`) and admitted
///    to the cache (see `FlowCache`).
/// 4. `macPrefetchStage`, when the worker's `RecentMACs` has stopped answering for the traffic
///    (more addresses than it holds; see `RecentMACs.plan`): the MAC tables' slots for every
///    address of the burst, so that the switch stage, which then goes to the tables directly,
///    finds them loaded.
///    `recolourStage` (policies with metered rules): a yellow or red frame's decision becomes its
///    colour's remark (and the path that DSCP takes), or it is marked to be dropped.
///    `qosStage`: verify or rewrite each IP frame's DSCP, count the outcomes.
/// 5. `switchStage`: in frame order, admit the source (port security, learning limit), learn it,
///    route by path or destination MAC.
///
/// For every frame the verdict, the frame's bytes, the MAC table's changes and the counts are
/// exactly those of `decideFrame` and `QoSTally.count(_:audit:)` run on the frames in order
/// (learning keeps frame order; the other stages do not touch the MAC table). The frames' `data`
/// and `length` must be filled in.
@inline(never)
public func decideBurst(_ burst: BurstFrames, count: Int, ingress: Int, policy: UnsafePointer<PolicyImage>,
                        learned: MACTable, flows: FlowCache, rules: RuleCache, recent: RecentMACs, tally: inout QoSTally,
                        audit: AuditCounters?) {
    classifyBurst(burst, count: count, ingress: ingress, policy: policy, flows: flows, rules: rules)
    finishBurst(burst, count: count, ingress: ingress, policy: policy, learned: learned, recent: recent, tally: &tally,
                audit: audit)
}

/// Stages 1-3: every IP frame's decision (`burst.decisions`). Between this and `finishBurst`, a
/// policy with metered rules has its frames coloured (`burst.colours`) by the dataplane's meters.
/// Returns what the burst did with the flow cache, for the worker's counters.
@inline(__always) @discardableResult
public func classifyBurst(_ burst: BurstFrames, count: Int, ingress: Int, policy: UnsafePointer<PolicyImage>,
                          flows: FlowCache, rules: RuleCache) -> FlowCacheUse {
    let cache = flows.inUse
    parseStage(burst, count: count, ingress: ingress, flows: cache)
    let (lookups, misses) = lookupStage(burst, count: count, identity: policy.pointee.identity, flows: cache)
    var use = FlowCacheUse(lookups: 0, hits: 0, resting: flows.entries != nil && cache.entries == nil)
    if let governor = cache.governor {
        use.lookups = lookups
        use.hits = lookups &- misses
        governor.pointee.record(lookups: lookups, hits: use.hits)
    }
    classifyStage(burst, misses: misses, ingress: ingress, policy: policy, flows: cache, rules: rules)
    return use
}

/// One burst's use of the flow cache: the IP frames looked up in it and found, or that it was
/// resting (stood aside by its governor: nothing looked up). A disabled cache is neither.
public struct FlowCacheUse: BitwiseCopyable {
    public var lookups: Int
    public var hits: Int
    public var resting: Bool
}

/// Stages 4-5: QoS (with the colours, when the policy meters) and switching.
@inline(__always)
public func finishBurst(_ burst: BurstFrames, count: Int, ingress: Int, policy: UnsafePointer<PolicyImage>,
                        learned: MACTable, recent: RecentMACs, tally: inout QoSTally, audit: AuditCounters?) {
    let macs = recent.plan(count: count)
    // Before QoS, so that the loads land while it runs.
    if macs.prefetch { macPrefetchStage(burst, count: count, policy: policy, learned: learned) }
    let metered = policy.pointee.meteredRules > 0
    if metered { recolourStage(burst, count: count, ingress: ingress, policy: policy) }
    qosStage(burst, count: count, tally: &tally, audit: audit)
    switchStage(burst, count: count, ingress: ingress, policy: policy, learned: learned, recent: recent,
                bypassRecent: macs.bypass, metered: metered, tally: &tally)
}

@inline(never)
func parseStage(_ burst: BurstFrames, count: Int, ingress: Int, flows: FlowCache) {
    let data = burst.data, length = burst.length, shapes = burst.shapes, keys = burst.keys, hashes = burst.hashes
    let sources = burst.sources, destinations = burst.destinations
    let cached = flows.entries != nil
    var index = 0
    while index < count {
        let frame = data[index].unsafelyUnwrapped
        var key = FlowKey(meta: 0, ports: 0, a0: 0, a1: 0, a2: 0, a3: 0)
        var shape: FrameShape
        if let common = commonShape(frame, length: length[index], ingress: ingress, key: &key) {
            shape = common
        } else {
            let parsed = parseFrame(frame, length: length[index])
            shape = FrameShape(kind: parsed.kind, l3: UInt16(truncatingIfNeeded: parsed.l3))
            if shape.isIP { key = FlowKey(frame, parsed, ingress: ingress) }
        }
        shapes[index] = shape
        if shape.kind != .malformed {
            if shape.kind != .nonIP {
                keys[index] = key
                if cached {  // the hash is the flow cache's alone
                    let hash = key.hash
                    hashes[index] = hash
                    flows.prefetch(hash)
                }
            }
            let source = loadMAC(frame, 6)
            let destination = loadMAC(frame, 0)
            sources[index] = source
            destinations[index] = destination
        }
        index &+= 1
    }
}

/// Returns how many IP frames the burst has (all looked up, while the cache is in use) and how
/// many missed (listed in `burst.misses`).
@inline(never)
func lookupStage(_ burst: BurstFrames, count: Int, identity: UInt32, flows: FlowCache) -> (lookups: Int, misses: Int) {
    let shapes = burst.shapes, keys = burst.keys, hashes = burst.hashes, decisions = burst.decisions
    let missList = burst.misses
    var misses = 0
    var lookups = 0
    var index = 0
    guard flows.entries != nil else {  // every IP frame is a miss
        while index < count {
            missList[misses] = index
            misses &+= shapes[index].isIP ? 1 : 0
            index &+= 1
        }
        return (misses, misses)
    }
    while index < count {
        if shapes[index].isIP {
            lookups &+= 1
            if let entry = flows.entry(keys[index], identity: identity, hash: hashes[index]) {
                // Its twelve bytes as two moves (a field-by-field copy takes five of each).
                UnsafeMutableRawPointer(decisions + index).copyMemory(from: &entry.pointee.decision,
                                                                      byteCount: MemoryLayout<FlowDecision>.size)
            } else {
                missList[misses] = index
                misses &+= 1
            }
        }
        index &+= 1
    }
    return (lookups, misses)
}

/// Replaces the decision of each yellow or red frame of a policed rule with its colour's (see
/// `FlowDecision.recoloured`); a frame whose colour drops it keeps its green decision for the QoS
/// counts and is marked `FrameColour.dropped` for the switch stage.
@inline(never)
func recolourStage(_ burst: BurstFrames, count: Int, ingress: Int, policy: UnsafePointer<PolicyImage>) {
    var index = 0
    while index < count {
        let colour = burst.colours[index]
        if colour != FrameColour.green && burst.shapes[index].isIP {
            let parsed = ParsedFrame(burst.keys[index], burst.shapes[index])
            if let recoloured = burst.decisions[index].recoloured(colour, burst.data[index].unsafelyUnwrapped, parsed,
                                                                  ingress: ingress, policy: policy) {
                burst.decisions[index] = recoloured
            } else {
                burst.colours[index] = FrameColour.dropped
            }
        }
        index &+= 1
    }
}

/// Verifies or rewrites every IP frame's DSCP as its decision says and counts the QoS outcomes;
/// leaves each frame's final DSCP (0xFF: not IP) for the switch stage. Only what QoS needs is
/// live in this loop, so it stays in registers.
@inline(never)
func qosStage(_ burst: BurstFrames, count: Int, tally: inout QoSTally, audit: AuditCounters?) {
    let data = burst.data, shapes = burst.shapes, keys = burst.keys, decisions = burst.decisions
    let finalDSCP = burst.finalDSCP
    var ip: UInt64 = 0, verified: UInt64 = 0
    var index = 0
    while index < count {
        let shape = shapes[index]
        var dscp: UInt8 = 0xFF
        if shape.isIP {
            let decision = decisions[index]
            var verdict = Verdict()
            applyQoS(data[index].unsafelyUnwrapped, dscp: UInt8(truncatingIfNeeded: keys[index].dscp),
                     l3: Int(shape.l3), isIPv6: shape.kind == .ipv6, decision, into: &verdict)
            ip &+= 1
            let wasVerified = verdict.outcome == .verified
            verified &+= wasVerified ? 1 : 0
            if verdict.monitorOnly { tally.monitored &+= 1 }
            if let audit {
                // Verified frames were assigned what they carried: their pair is (in, in).
                AuditCounters.bump(audit.rules + (Int(decision.rule) &* AuditCounters.perRule &+ (wasVerified ? 0 : 1)))
                AuditCounters.bump(audit.pairs + (Int(verdict.dscpIn) &* 64 &+ Int(verdict.assigned)))
                if decision.path >= 0 { AuditCounters.bump(audit.paths + Int(decision.path)) }
            }
            dscp = verdict.dscpOut
        } else if shape.kind == .malformed {
            tally.malformed &+= 1
        } else {
            tally.nonIP &+= 1
        }
        finalDSCP[index] = dscp
        index &+= 1
    }
    tally.verified &+= verified
    tally.rewritten &+= ip &- verified
}

/// In frame order: learns each source MAC and routes each frame by its path or by its
/// destination MAC (a burst's repeated addresses are probed once, through the memo, and
/// addresses of recent bursts through the worker's `RecentMACs`), and writes its dispatch word.
@inline(never)
func switchStage(_ burst: BurstFrames, count: Int, ingress: Int, policy: UnsafePointer<PolicyImage>,
                 learned: MACTable, recent: RecentMACs, bypassRecent: Bool, metered: Bool, tally: inout QoSTally) {
    let shapes = burst.shapes, decisions = burst.decisions, finalDSCP = burst.finalDSCP
    let sources = burst.sources, destinations = burst.destinations, dispatches = burst.dispatches
    let guarded = policy.pointee.portGuards[ingress].portSecurity
    var memo = MACMemo(recent: bypassRecent ? .disabled : recent, learned: learned, identity: policy.pointee.identity)
    var index = 0
    while index < count {
        let shape = shapes[index]
        var verdict = Verdict()
        if shape.kind == .malformed {
            verdict.dropReason = .malformed
        } else {
            admitSource(burst.data[index].unsafelyUnwrapped, length: burst.length[index], kind: shape.kind,
                        l3: Int(shape.l3), source: sources[index], ingress: ingress, guarded: guarded, policy: policy,
                        learned: learned, memo: &memo, into: &verdict)
            if verdict.spoofedSource { tally.spoofedSource &+= 1 }
            if verdict.macTableFull { tally.macTableFull &+= 1 }
            if verdict.dropReason != .none {
                // Dropped as its source says.
            } else if metered && burst.colours[index] == FrameColour.dropped {
                verdict.dropReason = .police
            } else if shape.isIP && decisions[index].path >= 0 {
                routeByPath(decisions[index], ingress: ingress, into: &verdict)
            } else {
                routeByMAC(destinations[index], ingress: ingress, policy: policy, learned: learned, memo: &memo,
                           into: &verdict)
            }
        }
        dispatches[index] = Dispatch(egress: verdict.egress, queue: verdict.queue, dropReason: verdict.dropReason,
                                     dscp: finalDSCP[index])
        index &+= 1
    }
    if !bypassRecent, let use = recent.use { use.pointee.unanswered = memo.recentMisses }
}
