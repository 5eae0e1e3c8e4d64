/// The compiled policy as the dataplane reads it: plain values and pointers into tables that a
/// `CompiledPolicy` owns. Copying it copies no tables and touches no reference counts.
public struct PolicyImage: BitwiseCopyable {
    /// Unique to this compiled image in the process (never reused): what flow-cache entries are
    /// tagged with, so an entry classified under one image never hits under another.
    public var identity: UInt32
    public var portCount: Int
    public var rules: ClassifierImage
    /// `rules.ruleCount + 1` entries; the last is the default assignment.
    public var ruleActions: UnsafePointer<RuleAction>
    public var paths: ClassifierImage
    public var pathActions: UnsafePointer<PathAction>
    public var staticMACs: MACTable
    public var staticMACCount: Int
    /// Per port: its learning limit and port security.
    public var portGuards: UnsafePointer<PortGuard>
    /// Rules with a `police:` meter (each has a `RuleAction.meter` below this).
    public var meteredRules: Int
    /// What each (rule slot, DSCP received) decides, path included (`ruleActions`' slots, 64
    /// DSCPs each), for each ingress port `decisionsPortStride` apart (0: the paths do not tell
    /// ports apart, one part serves all): a flow-cache miss's decision in one load once its rule is
    /// found. Nil where `paths` match on more than the ingress port and the DSCP, or where the
    /// table would pass `DecisionTable.maxEntries`.
    public var decisions: UnsafePointer<FlowDecision>?
    public var decisionsPortStride: Int
}

public struct RuleAction: BitwiseCopyable {
    public static let keep: UInt8 = 0xFF
    public static let drop: UInt8 = 0xFE
    public static let unmetered: Int32 = -1
    /// The DSCP to assign, or `RuleAction.keep`.
    public var dscp: UInt8
    /// Count what enforcing would do, but leave the frame unchanged.
    public var monitor: Bool
    /// What a yellow and a red frame of a policed rule get: a DSCP, `keep` or `drop`.
    public var exceed: UInt8
    public var violate: UInt8
    /// The rule's meter among the policy's metered rules, or `unmetered`.
    public var meter: Int32

    public init(dscp: UInt8, monitor: Bool, exceed: UInt8? = nil, violate: UInt8? = nil, meter: Int32 = RuleAction.unmetered) {
        self.dscp = dscp
        self.monitor = monitor
        self.exceed = exceed ?? dscp
        self.violate = violate ?? dscp
        self.meter = meter
    }
}

public struct PathAction: BitwiseCopyable {
    public static let drop: Int32 = -1
    /// The egress port, or `PathAction.drop`.
    public var port: Int32
    public var queue: UInt16

    public init(port: Int32, queue: UInt16) {
        self.port = port
        self.queue = queue
    }
}

extension UnsafePointer where Pointee == PolicyImage {
    /// The rules' classifier, in place (no copy of the image).
    @inlinable public var rules: UnsafePointer<ClassifierImage> { field(MemoryLayout<PolicyImage>.offset(of: \.rules)!) }
    /// The paths' classifier, in place.
    @inlinable public var paths: UnsafePointer<ClassifierImage> { field(MemoryLayout<PolicyImage>.offset(of: \.paths)!) }

    @inlinable func field(_ offset: Int) -> UnsafePointer<ClassifierImage> {
        UnsafeRawPointer(self).advanced(by: offset).assumingMemoryBound(to: ClassifierImage.self)
    }
}
