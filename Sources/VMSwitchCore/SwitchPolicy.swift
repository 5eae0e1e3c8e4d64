/// The switch as the user configured it, in checked, typed form: ports by index, rules and paths
/// in order. The configuration loader builds it; `CompiledPolicy` turns it into lookup tables.
public struct SwitchPolicy: Sendable {
    public var ports: [PortSpec]
    public var rules: [QoSRule]
    public var defaultAssignment: DSCPAssignment
    /// The mode of rules that do not name one (and of the default assignment).
    public var defaultMode: QoSMode
    public var paths: [PathRule]
    /// Seconds a learned MAC stays without a frame from it (`dataplane: {mac-aging: S}`); 0: for ever.
    public var macAging: Int = 300

    public init(ports: [PortSpec], rules: [QoSRule] = [], defaultAssignment: DSCPAssignment = .keep,
                defaultMode: QoSMode = .enforce, paths: [PathRule] = []) {
        self.ports = ports
        self.rules = rules
        self.defaultAssignment = defaultAssignment
        self.defaultMode = defaultMode
        self.paths = paths
    }

    public func portIndex(named name: String) -> Int? { ports.firstIndex { $0.name == name } }
}

public struct PortSpec: Sendable, Equatable {
    public enum Role: String, Sendable { case physical, virtual }

    public enum Backend: Sendable, Equatable {
        /// Any DPDK device: a PCI address or vdev devargs.
        case device(String)
        /// A vhost-user socket; vmswitch serves it, or (client) connects to the VM's.
        case vhost(path: String, client: Bool)
    }

    public var name: String
    public var role: Role
    public var backend: Backend
    public var numa: Int?
    public var macs: [MACAddress]
    public var queues: Int
    /// A vhost server socket's owner and group (numeric ids); nil keeps vmswitch's own.
    public var socketOwner: UInt32?
    public var socketGroup: UInt32?
    /// `offload: auto`: rewrite in the NIC (rte_flow) what it can, for frames arriving here.
    public var offload: Bool = true
    /// MACs the port may learn (`mac-limit:`); nil: no limit. `PortSpec.defaultMACLimit` for a
    /// virtual port unless configured.
    public var macLimit: Int?
    /// `port-security: true`: only `macs` as source MAC, and only `ips` (when given) as source address.
    public var portSecurity = false
    public var ips: [IPPrefix] = []
    /// Broadcast, multicast and unknown-unicast frames per second the port may flood (`flood-limit:`).
    public var floodLimit: Int?
    /// `egress:` shaping and priority on this port's output (rte_sched), or nil: sent as decided.
    public var egress: EgressShaping?

    public static let defaultMACLimit = 64

    public init(name: String, role: Role, backend: Backend, numa: Int? = nil,
                macs: [MACAddress] = [], queues: Int = 1, socketOwner: UInt32? = nil, socketGroup: UInt32? = nil) {
        self.name = name
        self.role = role
        self.backend = backend
        self.numa = numa
        self.macs = macs
        self.queues = queues
        self.socketOwner = socketOwner
        self.socketGroup = socketGroup
        macLimit = role == .virtual ? PortSpec.defaultMACLimit : nil
    }
}

public enum QoSMode: String, Sendable {
    /// Rewrite frames whose DSCP differs from the assigned one.
    case enforce
    /// Verify and count exactly as `enforce` would, but leave the frame's DSCP as it arrived.
    case monitor
}

/// The fields a rule can match. A nil field matches every frame; a non-nil one matches only
/// frames where the field is known and inside one of the ranges.
public struct FrameMatch: Sendable, Equatable {
    public var from: [Int]?
    public var vlan: [ClosedRange<UInt16>]?
    public var src: [IPPrefix]?
    public var dst: [IPPrefix]?
    public var proto: [UInt8]?
    public var sport: [ClosedRange<UInt16>]?
    public var dport: [ClosedRange<UInt16>]?

    public init(from: [Int]? = nil, vlan: [ClosedRange<UInt16>]? = nil, src: [IPPrefix]? = nil,
                dst: [IPPrefix]? = nil, proto: [UInt8]? = nil,
                sport: [ClosedRange<UInt16>]? = nil, dport: [ClosedRange<UInt16>]? = nil) {
        self.from = from
        self.vlan = vlan
        self.src = src
        self.dst = dst
        self.proto = proto
        self.sport = sport
        self.dport = dport
    }
}

public struct QoSRule: Sendable, Equatable {
    public var name: String
    public var match: FrameMatch
    public var assignment: DSCPAssignment
    public var mode: QoSMode?
    /// A rate meter: frames over it are remarked or dropped (green frames get `assignment`).
    public var police: Policing?

    public init(name: String, match: FrameMatch = FrameMatch(), assignment: DSCPAssignment,
                mode: QoSMode? = nil) {
        self.name = name
        self.match = match
        self.assignment = assignment
        self.mode = mode
    }
}

public struct PathRule: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case output(port: Int, queue: Int)
        case drop
    }

    public var dscps: [DSCP]
    public var from: [Int]?
    public var dst: [IPPrefix]?
    public var action: Action

    public init(dscps: [DSCP], from: [Int]? = nil, dst: [IPPrefix]? = nil, action: Action) {
        self.dscps = dscps
        self.from = from
        self.dst = dst
        self.action = action
    }
}
