import Synchronization

/// What the QoS stage did to a run of frames, summed in registers and published in bulk. With
/// `AuditCounters`, the audit's share: per rule verified/rewritten, the ingress port's (received,
/// assigned) DSCP matrix and per path the frames it decided.
public struct QoSTally: Equatable {
    public var verified: UInt64 = 0
    public var rewritten: UInt64 = 0
    public var monitored: UInt64 = 0
    public var malformed: UInt64 = 0
    public var nonIP: UInt64 = 0
    public var spoofedSource: UInt64 = 0
    public var macTableFull: UInt64 = 0

    public init() {}

    /// Counts one frame's verdict: the reference that the burst pipeline's own counting (in its
    /// QoS and switch stages) must equal.
    @inlinable @inline(__always)
    public mutating func count(_ verdict: Verdict, audit: AuditCounters?) {
        let outcome = verdict.outcome
        nonIP &+= outcome == .nonIP ? 1 : 0
        malformed &+= outcome == .malformed ? 1 : 0
        verified &+= outcome == .verified ? 1 : 0
        rewritten &+= outcome == .rewritten ? 1 : 0
        monitored &+= verdict.monitorOnly ? 1 : 0
        spoofedSource &+= verdict.spoofedSource ? 1 : 0
        macTableFull &+= verdict.macTableFull ? 1 : 0
        guard let audit, outcome == .verified || outcome == .rewritten else { return }
        // Verified frames were assigned what they carried: their pair is (in, in).
        AuditCounters.bump(audit.rules + (Int(verdict.rule) &* AuditCounters.perRule &+ (outcome == .rewritten ? 1 : 0)))
        AuditCounters.bump(audit.pairs + (Int(verdict.dscpIn) &* 64 &+ Int(verdict.assigned)))
        if verdict.path >= 0 { AuditCounters.bump(audit.paths + Int(verdict.path)) }
    }
}

/// Where the audit counters of one worker, one policy version and one ingress port live. The
/// worker is their only writer: a bump is a plain load and store, no locked instruction.
public struct AuditCounters: BitwiseCopyable {
    /// Counters per rule slot (the rules, then the default): verified, then rewritten.
    public static let perRule = 2

    public var rules: UnsafeMutablePointer<Atomic<UInt64>>
    /// The ingress port's 64 x 64 matrix, (DSCP as received) * 64 + (DSCP assigned).
    public var pairs: UnsafeMutablePointer<Atomic<UInt64>>
    public var paths: UnsafeMutablePointer<Atomic<UInt64>>

    public init(rules: UnsafeMutablePointer<Atomic<UInt64>>, pairs: UnsafeMutablePointer<Atomic<UInt64>>,
                paths: UnsafeMutablePointer<Atomic<UInt64>>) {
        self.rules = rules
        self.pairs = pairs
        self.paths = paths
    }

    @inlinable @inline(__always)
    static func bump(_ slot: UnsafeMutablePointer<Atomic<UInt64>>) {
        slot.pointee.store(slot.pointee.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }
}
