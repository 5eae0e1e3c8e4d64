/// A port's `egress:` — shaped to a rate, with strict-priority classes (highest first, each
/// optionally capped) and weighted best-effort queues, by the DSCP a frame leaves with. The
/// dataplane runs it on DPDK's `rte_sched`: classes are its traffic classes 0-11, best effort
/// its class 12 with up to 4 WRR queues.
public struct EgressShaping: Sendable, Equatable {
    public struct Class: Sendable, Equatable {
        public var name: String
        public var dscps: [DSCP]
        /// A cap in bytes per second, or nil.
        public var rate: UInt64?

        public init(name: String, dscps: [DSCP], rate: UInt64? = nil) {
            self.name = name
            self.dscps = dscps
            self.rate = rate
        }
    }

    public struct BestEffortQueue: Sendable, Equatable {
        public var name: String
        /// Empty: every best-effort DSCP no other queue names (and non-IP frames).
        public var dscps: [DSCP]
        public var weight: Int

        public init(name: String, dscps: [DSCP], weight: Int) {
            self.name = name
            self.dscps = dscps
            self.weight = weight
        }
    }

    public static let maxClasses = 12
    public static let maxBestEffortQueues = 4
    /// rte_sched's best-effort traffic class, and the first of its queues' ids.
    public static let bestEffortClass = 12

    /// Bytes per second (rte_sched counts Ethernet's 24 bytes of preamble, gap and FCS per frame),
    /// or frames per second when `countsFrames` (then class caps are in frames too).
    public var rate: UInt64
    public var countsFrames = false
    public var classes: [Class]
    public var bestEffort: [BestEffortQueue]
    public var queueSize: Int

    public init(rate: UInt64, classes: [Class] = [], bestEffort: [BestEffortQueue] = [], queueSize: Int = 256) {
        self.rate = rate
        self.classes = classes
        self.bestEffort = bestEffort.isEmpty ? [BestEffortQueue(name: "best-effort", dscps: [], weight: 1)] : bestEffort
        self.queueSize = queueSize
    }

    /// Per handoff tag (the DSCP a frame leaves with, 0xFF for a frame that is not IP): its
    /// traffic class << 8 | its queue within the class.
    public var classOfTag: [UInt16] {
        let catchAll = bestEffort.firstIndex { $0.dscps.isEmpty } ?? 0
        var table = [UInt16](repeating: UInt16(EgressShaping.bestEffortClass << 8 | catchAll), count: 256)
        for dscp in 0..<64 {
            if let index = classes.firstIndex(where: { $0.dscps.contains { $0.value == dscp } }) {
                table[dscp] = UInt16(index << 8)
            } else if let queue = bestEffort.firstIndex(where: { $0.dscps.contains { $0.value == dscp } }) {
                table[dscp] = UInt16(EgressShaping.bestEffortClass << 8 | queue)
            }
        }
        return table
    }

    /// The name of each rte_sched queue in use, by its id (0-11 the classes, 12-15 best effort).
    public var queueNames: [(queue: Int, name: String)] {
        classes.enumerated().map { ($0.offset, $0.element.name) }
            + bestEffort.enumerated().map { (EgressShaping.bestEffortClass + $0.offset, $0.element.name) }
    }

    /// Per traffic class: its cap (0: the port's rate).
    public var classRates: [UInt64] {
        (0...EgressShaping.bestEffortClass).map { $0 < classes.count ? classes[$0].rate ?? 0 : 0 }
    }

    public var weights: [UInt8] {
        (0..<EgressShaping.maxBestEffortQueues).map { $0 < bestEffort.count ? UInt8(bestEffort[$0].weight) : 1 }
    }
}
