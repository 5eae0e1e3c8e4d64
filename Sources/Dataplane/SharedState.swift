import Synchronization
import VMSwitchCore

/// What the control side and the workers share. The control side writes `stop`, `policy`,
/// `rxLists` and `linkUp`; each worker writes only its own `*InUse` slots (and learns MACs).
/// Workers read what they are given once per round, at a burst boundary: a frame is decided
/// wholly by one policy, and a queue is never polled by two workers at once.
public struct SharedState: BitwiseCopyable {
    public var stop: UnsafeMutablePointer<Atomic<Bool>>
    /// Per worker: the address of its `WorkerPolicy` in force (one image per NUMA node).
    public var policy: UnsafeMutablePointer<Atomic<UInt>>
    /// Per worker: the address of the `WorkerPolicy` it is using (0 once it has stopped). A
    /// replaced policy may be freed once no worker reports it.
    public var policyInUse: UnsafeMutablePointer<Atomic<UInt>>
    /// Per worker: the address of the `RxList` it polls, and the one it is polling now.
    public var rxLists: UnsafeMutablePointer<Atomic<UInt>>
    public var rxListInUse: UnsafeMutablePointer<Atomic<UInt>>
    /// Per port: whether the link is up (a vhost port is up while its VM is connected).
    public var linkUp: UnsafeMutablePointer<Atomic<Bool>>
    /// Per port: its NUMA node as known now (-1: unknown), for counting cross-node frames.
    public var portNode: UnsafeMutablePointer<Atomic<Int>>
    /// Per port: nil when every worker has its own TX queues on the port; else the ring through
    /// which workers hand frames to the port's TX owner (ports with fewer TX queues than workers,
    /// e.g. a vhost port whose guest has one queue pair).
    public var txRings: UnsafeMutablePointer<OpaquePointer?>
    /// Per port: the worker that transmits what the ring carries.
    public var txOwner: UnsafeMutablePointer<Int>
    public var learned: MACTable
    /// The control side's clock for MAC aging, in `MACTable` ticks: workers stamp what they learn
    /// with it (read once a round).
    public var clock: UnsafeMutablePointer<Atomic<UInt64>>
    /// Per (port, rx queue): the flood-limit meter of the worker polling that queue (rte_meter
    /// state, `floodMeterBytes` each; port-major, `SharedState.maxQueues` per port).
    public var floodMeters: UnsafeMutableRawPointer
    public var floodMeterBytes: Int
    /// Per port: its `egress:` scheduler (rte_sched, run by the port's TX owner), or nil.
    public var schedulers: UnsafeMutablePointer<OpaquePointer?>
    /// Per port, 256 entries: a handoff tag's DSCP -> scheduler class << 8 | queue.
    public var classOfTag: UnsafeMutablePointer<UInt16>
    /// Per port: its scheduler's rates count frames (not bytes).
    public var schedulerCountsFrames: UnsafeMutablePointer<Bool>

    public static let maxQueues = 16

    @inline(__always)
    func floodMeter(port: Int, queue: Int) -> UnsafeMutableRawPointer {
        floodMeters + (port &* SharedState.maxQueues &+ queue) &* floodMeterBytes
    }
}

/// The rx queues one worker polls. Published by address; replaced, never edited.
public struct RxList: BitwiseCopyable {
    public var count: Int
    public var queues: UnsafeMutablePointer<RxQueueRef>
}

/// One (port, rx queue) a worker polls.
public struct RxQueueRef: BitwiseCopyable, Equatable, Sendable {
    public var port: UInt16
    public var queue: UInt16
    /// The worker is on another NUMA node than the port: its frames count as cross-node.
    public var crossNode: Bool

    public init(port: UInt16, queue: UInt16, crossNode: Bool = false) {
        self.port = port
        self.queue = queue
        self.crossNode = crossNode
    }
}

/// One worker's view of one policy version: the compiled image (its node's copy) and this
/// worker's counters for that version's rules and paths. Published by address; never edited.
public struct WorkerPolicy: BitwiseCopyable {
    public var image: UnsafePointer<PolicyImage>
    /// `CounterLayout.perRule` counters (verified, rewritten) per rule slot (the rules, then the
    /// default).
    public var ruleCounters: UnsafeMutablePointer<Atomic<UInt64>>
    /// Frames sent (or dropped) by each `paths` entry.
    public var pathCounters: UnsafeMutablePointer<Atomic<UInt64>>
    /// Per port: the rte_meter profile of its `flood-limit` per rx queue, or nil (no limit).
    public var floodProfiles: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// The rules' `police:` meters (when the image has metered rules).
    public var meters: RuleMeters
}
