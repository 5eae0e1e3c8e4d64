/// Why a frame was not sent. Every received frame is either sent or counted under one of these.
public enum DropReason: UInt8, CaseIterable, Sendable {
    case none = 0
    /// Claims IPv4/IPv6 but its header is not whole (or the frame is shorter than Ethernet's).
    case malformed
    /// The decision would send it back out of the port it came in by.
    case hairpin
    /// A `paths` entry with `drop: true` matched.
    case pathDrop
    /// Flooding found no port but the ingress one.
    case noDestination
    /// The egress port's TX queue was full.
    case txFull
    /// The egress port's link is down (e.g. a VM that is not connected).
    case linkDown
    /// The source MAC is another port's static MAC, or port security refused a source address.
    case spoofed
    /// A new source MAC on a port that has learned as many as its `mac-limit`.
    case macLimit
    /// A flood (broadcast, multicast, unknown unicast) over the ingress port's `flood-limit`.
    case floodLimit
    /// A policed rule's meter coloured it yellow or red, and that colour's action is `drop`.
    case police
    /// The egress port's scheduler (`egress:`) had no room in the frame's class queue.
    case egressQueueFull

    public var name: String {
        switch self {
        case .none: "none"
        case .malformed: "malformed"
        case .hairpin: "hairpin"
        case .pathDrop: "path_drop"
        case .noDestination: "no_destination"
        case .txFull: "tx_full"
        case .linkDown: "link_down"
        case .spoofed: "spoofed"
        case .macLimit: "mac_limit"
        case .floodLimit: "flood_limit"
        case .police: "police"
        case .egressQueueFull: "egress_queue_full"
        }
    }
}

/// What the QoS stage found.
public enum QoSOutcome: UInt8, Sendable {
    case nonIP = 0
    case malformed
    /// The frame already carried the DSCP its policy assigns.
    case verified
    /// The frame carried another DSCP and was rewritten (or, in monitor mode, would have been).
    case rewritten
}

extension QoSOutcome {
    /// Whether the frame was a whole IPv4/IPv6 frame (its DSCP was checked).
    @inlinable public var isIP: Bool { self == .verified || self == .rewritten }
}

/// The decision for one frame.
public struct Verdict {
    public static let flood: Int32 = -1
    public static let drop: Int32 = -2

    /// The egress port, `Verdict.flood` or `Verdict.drop`.
    public var egress: Int32
    public var queue: UInt16
    public var dropReason: DropReason
    public var outcome: QoSOutcome
    /// The rule that assigned the QoS (`ruleCount` for the default); meaningful for IP frames.
    public var rule: Int32
    /// The `paths` entry that decided the egress, or -1.
    public var path: Int32
    public var dscpIn: UInt8
    /// What the policy assigns (what enforcing makes it; monitor mode leaves `dscpOut` = `dscpIn`).
    public var assigned: UInt8
    public var dscpOut: UInt8
    /// A monitor-mode rule left an inconsistent DSCP unchanged.
    public var monitorOnly: Bool
    /// The source MAC is another port's static address (a spoof): not learned, dropped.
    public var spoofedSource: Bool
    /// The source MAC could not be learned: the MAC table is full.
    public var macTableFull: Bool

    @inlinable
    init() {
        egress = Verdict.drop
        queue = 0
        dropReason = .none
        outcome = .nonIP
        rule = -1
        path = -1
        dscpIn = 0
        assigned = 0
        dscpOut = 0
        monitorOnly = false
        spoofedSource = false
        macTableFull = false
    }
}

@inlinable @inline(__always)
func loadMAC(_ frame: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    let high = UInt64(load16(frame, offset))
    let low = UInt64(UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: offset + 2, as: UInt32.self)))
    return high << 32 | low
}

/// The whole per-frame pipeline: parse, look up the assigned QoS (in the worker's flow cache, or
/// by classifying), apply the frame's meter `colour` (a policed rule's remark or drop), verify or
/// rewrite the DSCP in place, learn the source MAC, and route by the
/// final DSCP's path or by destination MAC. The dataplane runs the same steps a stage at a time
/// over a burst (`decideBurst`); this frame-at-a-time form is their reference, which the
/// differential test and the fuzzer hold the burst pipeline to.
///
/// `@_transparent` rather than `@inline(__always)`: the latter was not honoured for this function
/// across modules, and the call, its spills and its packed result cost 8 % of throughput.
@_transparent
public func decideFrame(_ frame: UnsafeMutableRawPointer, length: Int, ingress: Int,
                        policy: UnsafePointer<PolicyImage>, learned: MACTable,
                        flows: FlowCache = .disabled, memo: inout MACMemo, colour: UInt8 = FrameColour.green) -> Verdict {
    var verdict = Verdict()
    let parsed = parseFrame(frame, length: length)
    if parsed.kind == .malformed {
        verdict.outcome = .malformed
        verdict.dropReason = .malformed
        return verdict
    }
    admitSource(frame, length: length, kind: parsed.kind, l3: parsed.l3, source: loadMAC(frame, 6), ingress: ingress,
                guarded: policy.pointee.portGuards[ingress].portSecurity, policy: policy, learned: learned,
                memo: &memo, into: &verdict)
    var path = false
    if parsed.kind != .nonIP {
        let key = FlowKey(frame, parsed, ingress: ingress)
        let hash = key.hash
        let identity = policy.pointee.identity
        var decision: FlowDecision
        if let cached = flows.lookup(key, identity: identity, hash: hash) {
            decision = cached
        } else {
            decision = classify(frame, parsed, ingress: ingress, policy: policy)
            flows.store(key, identity: identity, hash: hash, decision: decision)
        }
        var policed = false
        if colour != FrameColour.green {
            if let recoloured = decision.recoloured(colour, frame, parsed, ingress: ingress, policy: policy) {
                decision = recoloured
            } else {
                policed = true
            }
        }
        applyQoS(frame, parsed, decision, into: &verdict)
        if policed && verdict.dropReason == .none { verdict.dropReason = .police }
        if decision.path >= 0 {
            // The path decided the frame even when its source drops it (counted as the path's).
            path = true
            if verdict.dropReason == .none {
                routeByPath(decision, ingress: ingress, into: &verdict)
            } else {
                verdict.path = Int32(truncatingIfNeeded: decision.path)
            }
        }
    }
    if !path && verdict.dropReason == .none {
        routeByMAC(loadMAC(frame, 0), ingress: ingress, policy: policy, learned: learned, memo: &memo, into: &verdict)
    }
    return verdict
}

/// Sends the frame to the port its destination MAC is known on (static entries first), floods
/// it when the MAC is unknown or a group address, or drops it when there is nowhere to flood.
@inlinable @inline(__always)
func routeByMAC(_ destination: UInt64, ingress: Int, policy: UnsafePointer<PolicyImage>, learned: MACTable,
                memo: inout MACMemo, into verdict: inout Verdict) {
    var port = MACTable.notFound
    if destination == memo.destination {
        port = memo.destinationPort
    } else if destination & 0x0100_0000_0000 == 0 {
        port = lookUpDestination(destination, policy: policy, learned: learned, memo: &memo)
    }
    if port != MACTable.notFound {
        route(to: port, ingress: ingress, into: &verdict)
    } else if policy.pointee.portCount > 1 {
        verdict.egress = Verdict.flood
    } else {
        verdict.dropReason = .noDestination
    }
}

/// The port of a unicast `destination` that is not the burst's last one (static MACs first, then
/// the worker's recent MACs, then the learned table), remembered in `memo`. Not inlined: most
/// frames of a burst share the last destination.
@usableFromInline @inline(never)
func lookUpDestination(_ destination: UInt64, policy: UnsafePointer<PolicyImage>, learned: MACTable,
                       memo: inout MACMemo) -> Int {
    var port = MACTable.notFound
    if let remembered = memo.recentPort(destination) {
        port = remembered
    } else {
        if policy.pointee.staticMACCount != 0 { port = policy.pointee.staticMACs.lookup(destination) }
        if port == MACTable.notFound { port = learned.lookup(destination) }
        memo.rememberPort(destination, port: port)
    }
    memo.destination = destination
    memo.destinationPort = port
    return port
}

/// The slow path, on a flow-cache miss: the rule that assigns the frame's QoS (the default's slot
/// when none matches), what it assigns, and the path its final DSCP takes with that path's action.
/// (The burst path finds the rules of a burst's misses together, see `classifyStage`.)
@usableFromInline @inline(never)
func classify(_ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int,
              policy: UnsafePointer<PolicyImage>) -> FlowDecision {
    let rules = policy.rules
    var rule = -1
    if rules.pointee.ruleCount == 0 {
        // No rules: the default.
    } else if let table = rules.pointee.byPortAndDSCP {
        rule = Int(table[ingress &* 64 &+ Int(parsed.dscp)])
    } else {
        rule = ClassifierImage.firstMatch(rules, FieldClasses(rules, frame, parsed, from: ingress, dscp: parsed.dscp))
    }
    return decision(rule: rule, frame, parsed, ingress: ingress, policy: policy)
}

/// What rule `matched` (its index, or -1 for none: the default) decides for the frame: what it
/// assigns, and the path its final DSCP takes with that path's action.
@inlinable @inline(__always)
func decision(rule matched: Int, _ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int,
              policy: UnsafePointer<PolicyImage>) -> FlowDecision {
    let rule = matched < 0 ? policy.rules.pointee.ruleCount : matched
    let action = policy.pointee.ruleActions[rule]
    var decision = FlowDecision(rule: Int32(truncatingIfNeeded: rule), path: FlowDecision.noPath, dscp: action.dscp,
                                monitor: action.monitor, pathPort: 0, queue: 0)
    assignPath(&decision, frame, parsed, ingress: ingress, policy: policy,
               final: action.dscp == RuleAction.keep || action.monitor ? parsed.dscp : action.dscp)
    return decision
}

/// Lets a frame's source in, or drops it (its verdict's `dropReason`): port security checks the
/// port's own addresses (`guarded`: the ingress port has it on), then the source MAC is learned.
@inlinable @inline(__always)
func admitSource(_ frame: UnsafeRawPointer, length: Int, kind: ParsedFrame.Kind, l3: Int, source: UInt64, ingress: Int,
                 guarded: Bool, policy: UnsafePointer<PolicyImage>, learned: MACTable, memo: inout MACMemo,
                 into verdict: inout Verdict) {
    if guarded {
        if source != memo.ownSource {
            let owner = policy.pointee.staticMACCount == 0 ? MACTable.notFound : policy.pointee.staticMACs.lookup(source)
            if owner == ingress { memo.ownSource = source }
        }
        guard policy.pointee.portGuards[ingress].allows(frame, length: length, kind: kind, l3: l3,
                                                         ownsSource: source == memo.ownSource) else {
            verdict.dropReason = .spoofed
            return
        }
    }
    learnSource(source, ingress: ingress, policy: policy, learned: learned, memo: &memo, into: &verdict)
}

/// Learns the source MAC on the ingress port. A source that is another port's static address is a
/// spoof, and a new source on a port at its learning limit is refused: both are dropped.
@inlinable @inline(__always)
func learnSource(_ source: UInt64, ingress: Int, policy: UnsafePointer<PolicyImage>, learned: MACTable,
                 memo: inout MACMemo, into verdict: inout Verdict) {
    let known = source | UInt64(truncatingIfNeeded: ingress) << 48
    guard known != memo.source, source & 0x0100_0000_0000 == 0 else { return }
    if memo.recentlyLearned(source, ingress: ingress, clock: learned.clock) {
        memo.source = known
        return
    }
    let staticPort = policy.pointee.staticMACCount == 0 ? MACTable.notFound : policy.pointee.staticMACs.lookup(source)
    if staticPort == MACTable.notFound {
        let result = learned.learn(source, port: ingress, limit: policy.pointee.portGuards[ingress].macLimit)
        if result == .full {
            verdict.macTableFull = true
            return
        }
        if result == .limited {
            verdict.dropReason = .macLimit
            return
        }
        // This worker changed the table: what it remembers may be wrong until the next burst.
        if result != .known { memo.recentValidity = 0 }
        if source == memo.destination { memo.destination = MACMemo.none }
    } else if staticPort != ingress {
        verdict.spoofedSource = true
        verdict.dropReason = .spoofed
        return
    }
    memo.source = known
    memo.rememberLearned(source, ingress: ingress, clock: learned.clock)
}

/// What the frames of one burst already established: the last source MAC learned (with its
/// port) and the last destination looked up. Frames of a burst mostly share them, so the table
/// probes run once per burst rather than once per frame. Start a new memo for every burst.
public struct MACMemo {
    public static let none = UInt64.max
    public var source: UInt64 = MACMemo.none
    public var destination: UInt64 = MACMemo.none
    public var destinationPort: Int = MACTable.notFound
    /// The last source MAC found to be one of the ingress port's own (port security).
    public var ownSource: UInt64 = MACMemo.none
    /// The worker's memory across bursts, and what its entries must hold to be valid now (0:
    /// not used). See `RecentMACs`.
    public var recent = RecentMACs.disabled
    public var recentValidity: UInt64 = 0

    public init() {}
}

/// Verifies or rewrites the frame's DSCP as `decision` says, into `verdict`'s QoS fields.
@inlinable @inline(__always)
func applyQoS(_ frame: UnsafeMutableRawPointer, _ parsed: ParsedFrame, _ decision: FlowDecision,
              into verdict: inout Verdict) {
    applyQoS(frame, dscp: parsed.dscp, l3: parsed.l3, isIPv6: parsed.kind == .ipv6, decision, into: &verdict)
}

@inlinable @inline(__always)
func applyQoS(_ frame: UnsafeMutableRawPointer, dscp: UInt8, l3: Int, isIPv6: Bool, _ decision: FlowDecision,
              into verdict: inout Verdict) {
    verdict.rule = decision.rule
    verdict.dscpIn = dscp
    verdict.dscpOut = dscp
    verdict.assigned = dscp
    if decision.dscp == RuleAction.keep || decision.dscp == dscp {
        verdict.outcome = .verified
    } else if decision.monitor {
        verdict.assigned = decision.dscp
        verdict.outcome = .rewritten
        verdict.monitorOnly = true
    } else {
        verdict.outcome = .rewritten
        verdict.assigned = decision.dscp
        verdict.dscpOut = decision.dscp
        rewriteDSCP(frame, l3: l3, isIPv6: isIPv6, to: decision.dscp)
    }
}

/// Sends the frame where its `paths` entry says (or drops it there).
@inlinable @inline(__always)
func routeByPath(_ decision: FlowDecision, ingress: Int, into verdict: inout Verdict) {
    verdict.path = Int32(truncatingIfNeeded: decision.path)
    if Int32(decision.pathPort) == PathAction.drop {
        verdict.dropReason = .pathDrop
    } else {
        verdict.queue = decision.queue
        route(to: Int(decision.pathPort), ingress: ingress, into: &verdict)
    }
}

@inlinable @inline(__always)
func route(to port: Int, ingress: Int, into verdict: inout Verdict) {
    if port == ingress {
        verdict.dropReason = .hairpin
    } else {
        verdict.egress = Int32(truncatingIfNeeded: port)
    }
}
