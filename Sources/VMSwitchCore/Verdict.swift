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
