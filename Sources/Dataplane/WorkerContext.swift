import VMSwitchCore

/// Everything one worker lcore reads and writes, as plain values and pointers into memory on the
/// worker's NUMA node. The control side builds it before launch and never touches it after: what
/// changes later (policy, rx queues, links) comes through `SharedState`.
public struct WorkerContext: BitwiseCopyable {
    public var index: Int
    /// The NUMA node of the worker's lcore.
    public var node: Int
    public var burst: Int
    public var portCount: Int
    /// Switch port index -> DPDK port id.
    public var dpdkPorts: UnsafeMutablePointer<UInt16>
    /// Per port: the first TX queue of this worker, and how many it has (one per `paths` queue).
    public var txQueueBase: UnsafeMutablePointer<UInt16>
    public var txQueueCount: UnsafeMutablePointer<UInt16>
    /// TX queues a port can have per worker: the stride of the TX buffers.
    public var txQueueStride: Int
    /// Frames waiting for TX: `burst` slots per (port, queue), and the final DSCP of each (0xFF for
    /// non-IP) so the out-histogram counts what was really sent.
    public var txFrames: UnsafeMutablePointer<OpaquePointer?>
    public var txDSCP: UnsafeMutablePointer<UInt8>
    public var txCount: UnsafeMutablePointer<Int>
    public var rxFrames: UnsafeMutablePointer<OpaquePointer?>
    /// The received burst as the pipeline's stages see it (data, parse results, dispatches).
    public var frames: BurstFrames
    public var dropFrames: UnsafeMutablePointer<OpaquePointer?>
    /// Scratch for flooding: the ports a frame goes to.
    public var floodTargets: UnsafeMutablePointer<UInt16>
    /// Ports whose TX ring this worker drains, and scratch for a drained burst.
    public var ownedRings: UnsafeMutablePointer<UInt16>
    public var ownedRingCount: Int
    public var ringFrames: UnsafeMutablePointer<OpaquePointer?>
    public var ringTags: UnsafeMutablePointer<UInt32>
    /// This worker's flow cache (classification results by flow key).
    public var flows: FlowCache
    /// This worker's memo of first matches by field classes.
    public var rules: RuleCache
    /// This worker's memory of recent MAC addresses' ports, across bursts.
    public var recent: RecentMACs
    /// Whether to keep the per-rule and per-port QoS audit counters (`dataplane: {audit: off}`
    /// keeps only the totals).
    public var auditCounters: Bool
    public var counters: Counters
    public var layout: CounterLayout
    public var shared: SharedState
}
