import Synchronization
import VMSwitchCore

/// Where each counter sits in a worker's counter block. Every worker owns one block and is its
/// only writer (relaxed load + store: a plain increment, no locked instruction); readers sum the
/// blocks of all workers.
public struct CounterLayout: BitwiseCopyable, Sendable {
    public let portCount: Int

    public enum Global: Int, CaseIterable, Sendable {
        case verified, rewritten, monitored, malformed, nonIP
        case macTableFull, spoofedSource
        case bursts, busyBursts
        /// TSC cycles spent deciding frames (parse to enqueue; rx and tx bursts excluded), and the
        /// frames they were spent on.
        case workCycles, workFrames
        /// The flow cache: IP frames looked up in it and found there, and bursts decided while
        /// its governor had it stood aside.
        case flowCacheLookups, flowCacheHits, flowCacheRestingBursts
    }

    public enum PortCounter: Int, CaseIterable, Sendable {
        case rx, tx
        /// Received by a worker on another NUMA node than the port's.
        case rxCrossNode
        /// Sent to this port by a worker on another NUMA node than the port's.
        case txCrossNode
    }

    /// Counts of the enums above, kept as stored values: a static computed from `allCases` would
    /// be a lazily initialised global, read through `swift_once` in the worker loop.
    let globalCount: Int
    let portCounters: Int
    let dropReasons: Int
    /// rx, tx, rx cross-node, a slot per drop reason, the DSCP histogram out (as sent), the
    /// 64 x 64 matrix of (DSCP as received, DSCP the policy assigns) over IP frames received,
    /// then per egress scheduler queue (`egress:` ports) the frames it sent and dropped.
    let perPort: Int
    static let schedulerQueues = 16
    /// Per rule (in a policy's own counter block): verified and rewritten (one increment a frame;
    /// matched = verified + rewritten).
    public static let perRule = AuditCounters.perRule

    public init(portCount: Int) {
        self.portCount = portCount
        globalCount = Global.allCases.count
        portCounters = PortCounter.allCases.count
        dropReasons = DropReason.allCases.count
        perPort = portCounters + dropReasons + 64 + 64 * 64 + 2 * CounterLayout.schedulerQueues
    }

    public var count: Int { globalCount + portCount * perPort }

    @inline(__always) public func global(_ counter: Global) -> Int { counter.rawValue }
    @inline(__always) func portBase(_ port: Int) -> Int { globalCount &+ port &* perPort }
    @inline(__always) public func port(_ port: Int, _ counter: PortCounter) -> Int { portBase(port) &+ counter.rawValue }
    @inline(__always) public func drop(_ port: Int, _ reason: DropReason) -> Int {
        portBase(port) &+ portCounters &+ Int(reason.rawValue)
    }
    @inline(__always) public func dscpOut(_ port: Int, _ dscp: UInt8) -> Int {
        portBase(port) &+ portCounters &+ dropReasons &+ Int(dscp)
    }
    /// Frames received on `port` with DSCP `received` that the policy assigns `assigned`.
    @inline(__always) public func dscpPair(_ port: Int, received: UInt8, assigned: UInt8) -> Int {
        portBase(port) &+ portCounters &+ dropReasons &+ 64 &+ Int(received) &* 64 &+ Int(assigned)
    }
    /// Frames egress scheduler queue `queue` of `port` sent (or dropped: its queue was full).
    @inline(__always) public func schedulerQueue(_ port: Int, _ queue: Int, dropped: Bool) -> Int {
        portBase(port) &+ portCounters &+ dropReasons &+ 64 &+ 64 &* 64 &+ queue &* 2 &+ (dropped ? 1 : 0)
    }
}

/// A worker's counter block.
public struct Counters: BitwiseCopyable {
    public let base: UnsafeMutablePointer<Atomic<UInt64>>

    @inline(__always)
    func add(_ index: Int, _ amount: UInt64) {
        base[index].store(base[index].load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    public func read(_ index: Int) -> UInt64 { base[index].load(ordering: .relaxed) }

}
