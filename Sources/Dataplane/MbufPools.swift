import CDPDK
import VMSwitchCore

/// The mbuf pools: one per NUMA node with workers, each big enough for every mbuf that can be
/// held at once, so a full rx ring, a full TX ring and a full handoff ring never starve another.
public enum MbufPools {
    /// What the pools are sized from.
    public struct Sizing {
        public var ports: [PortSpec]
        public var options: Switch.Options
        public var workers: Int
        public var txQueuesPerWorker: [Int]
        public var handsOff: [Bool]

        public init(ports: [PortSpec], options: Switch.Options, workers: Int, txQueuesPerWorker: [Int], handsOff: [Bool]) {
            self.ports = ports
            self.options = options
            self.workers = workers
            self.txQueuesPerWorker = txQueuesPerWorker
            self.handsOff = handsOff
        }

        /// Mbufs each pool holds: as configured, or every rx and tx descriptor of every port, the
        /// handoff rings and egress schedulers' queues, and each worker's cache and in-flight
        /// bursts, with headroom (a power of two less one, as rte_mempool prefers).
        public var perPool: Int {
            if let configured = options.mbufsPerPool { return configured }
            let stride = txQueuesPerWorker.max()!
            let rx = ports.reduce(0) { $0 + $1.queues * options.rxDescriptors }
            let tx = ports.count * workers * stride * options.txDescriptors
            let rings = handsOff.filter { $0 }.count * options.handoffRingSize
                + ports.compactMap(\.egress).reduce(0) { $0 + ($1.classes.count + $1.bestEffort.count) * $1.queueSize }
            let perWorker = options.poolCache * 3 / 2 + options.burst * (ports.count * stride + 3)
            var count = 2048
            while count - 1 < rx + tx + rings + workers * perWorker + 1024 { count *= 2 }
            return count - 1
        }

        /// Mbufs the ports and workers can hold at once: a configured pool smaller than that
        /// would leave rx rings unfillable.
        public var needed: Int {
            ports.reduce(0) { $0 + $1.queues * options.rxDescriptors } + workers * options.burst * 4
        }

        /// Why the configured pool size cannot work (nil: it can, or none is configured).
        public var refusal: String? {
            guard let configured = options.mbufsPerPool, configured < needed else { return nil }
            return "dataplane: mbufs \(configured) is below the \(needed) that the ports' rx descriptors "
                + "and the workers' bursts hold; raise mbufs or lower rx-descriptors"
        }
    }

    /// A pool on each of `nodes` (the caller has checked `sizing.refusal`). A node without the
    /// memory for one is skipped with a warning (its ports take mbufs from another node's pool);
    /// no pool at all is an error.
    static func create(nodes: [Int], sizing: Sizing, log: (String) -> Void) throws -> [Int: OpaquePointer] {
        let count = sizing.perPool
        var pools: [Int: OpaquePointer] = [:]
        for node in nodes {
            guard let pool = cdpdk_pktmbuf_pool_create("vmswitch_node\(node)", UInt32(count), UInt32(sizing.options.poolCache),
                                                       UInt16(2048 + 128), Int32(node)) else {
                // No memory on that node (e.g. --socket-mem without it): the placement report and
                // this warning make the cross-node mbufs visible.
                log("warning: no mbuf pool on node \(node) (\(count) mbufs: "
                    + "\(String(cString: cdpdk_strerror(cdpdk_errno())))); its ports take mbufs from another node")
                continue
            }
            pools[node] = pool
        }
        guard !pools.isEmpty else {
            throw SwitchError("cannot create an mbuf pool on any node (\(count) mbufs): is hugepage memory reserved?")
        }
        return pools
    }
}
