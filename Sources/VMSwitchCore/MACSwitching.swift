/// Switching by MAC address, per frame: admitting and learning each source, routing by
/// destination, and by a `paths` entry where the final DSCP has one. The burst pipeline's
/// `switchStage` and the reference `decideFrame` both use these.

/// The six bytes at `offset` as a number (first byte highest), read as one eight-byte word: the
/// two bytes after them must be in the frame too (they are for both addresses of an Ethernet
/// header, whose 14 bytes every frame that is not malformed has, and for an ARP sender's).
@inlinable @inline(__always)
func loadMAC(_ frame: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) >> 16
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
        let result = learned.isFresh(source, port: ingress) ? MACTable.LearnResult.known
            : learned.learn(source, port: ingress, limit: policy.pointee.portGuards[ingress].macLimit)
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
    /// The look-ups `recent` could not answer in this burst.
    public var recentMisses = 0

    public init() {}
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
