import VMSwitchCore

/// The switch's counters at one moment, summed over workers: what `--stats-json` writes and the
/// reports print.
public struct StatsSnapshot: Codable, Sendable {
    public struct Port: Codable, Sendable {
        public var rx: UInt64
        public var tx: UInt64
        /// Frames lost on this port: received here and dropped, or meant for it and not sent.
        public var dropped: UInt64
        /// `dropped` by reason (DropReason names).
        public var drops: [String: UInt64]
        public var link: String
        public var numa: Int?
        /// The lcore polling the port's first rx queue.
        public var lcore: Int?
        /// Frames polled by a worker on another NUMA node than the port's, and frames sent to the
        /// port by a worker on another node.
        public var rxCrossNode: UInt64
        public var txCrossNode: UInt64
        /// Frames the NIC/PMD could not deliver to rx (DPDK's imissed and rx_nombuf).
        public var rxMissed: UInt64
        public var rxNoMbuf: UInt64
        /// IP frames received, by DSCP as received.
        public var dscpIn: [UInt64]
        /// IP frames sent, by DSCP as sent.
        public var dscpOut: [UInt64]
        /// IP frames received, by "received>assigned" DSCP pair (only pairs that occurred).
        public var dscpPairs: [String: UInt64]
        /// IP frames received that already carried the assigned DSCP, and those that did not
        /// (rewritten, or left as they were by a monitor-mode rule).
        public var verified: UInt64
        public var inconsistent: UInt64
        /// MACs learned on this port now.
        public var macs: Int = 0
        /// `egress:` ports: per scheduler class (and best-effort queue), frames sent and dropped.
        public var classes: [String: ClassCounts]?

        public struct ClassCounts: Codable, Sendable, Equatable {
            public var sent: UInt64
            public var dropped: UInt64

            public init(sent: UInt64, dropped: UInt64) {
                self.sent = sent
                self.dropped = dropped
            }
        }

        enum CodingKeys: String, CodingKey {
            case rx, tx, dropped, drops, link, numa, lcore, macs, classes
            case rxCrossNode = "rx_cross_node", txCrossNode = "tx_cross_node", rxMissed = "rx_missed", rxNoMbuf = "rx_nombuf", dscpIn = "dscp_in", dscpOut = "dscp_out"
            case dscpPairs = "dscp_pairs", verified, inconsistent
        }

        public init(rx: UInt64, tx: UInt64, dropped: UInt64, drops: [String: UInt64], link: String, numa: Int?, lcore: Int?, rxCrossNode: UInt64, txCrossNode: UInt64, rxMissed: UInt64, rxNoMbuf: UInt64, dscpIn: [UInt64], dscpOut: [UInt64], dscpPairs: [String: UInt64], verified: UInt64, inconsistent: UInt64, macs: Int = 0,
                    classes: [String: ClassCounts]? = nil) {
            self.rx = rx
            self.tx = tx
            self.dropped = dropped
            self.drops = drops
            self.link = link
            self.numa = numa
            self.lcore = lcore
            self.rxCrossNode = rxCrossNode
        self.txCrossNode = txCrossNode
            self.rxMissed = rxMissed
            self.rxNoMbuf = rxNoMbuf
            self.dscpIn = dscpIn
            self.dscpOut = dscpOut
            self.dscpPairs = dscpPairs
            self.verified = verified
            self.inconsistent = inconsistent
            self.macs = macs
            self.classes = classes
        }
    }

    public struct QoS: Codable, Sendable {
        public var verified: UInt64
        public var rewritten: UInt64
        /// Of `rewritten`: left unchanged because their rule is in monitor mode.
        public var monitored: UInt64
        public var malformed: UInt64
        public var nonIP: UInt64

        enum CodingKeys: String, CodingKey {
            case verified, rewritten, monitored, malformed, nonIP = "non_ip"
        }

        public init(verified: UInt64, rewritten: UInt64, monitored: UInt64, malformed: UInt64, nonIP: UInt64) {
            self.verified = verified
            self.rewritten = rewritten
            self.monitored = monitored
            self.malformed = malformed
            self.nonIP = nonIP
        }
    }

    public struct Rule: Codable, Sendable {
        public var matched: UInt64
        public var verified: UInt64
        public var rewritten: UInt64
        public var dscp: String
        public var mode: String
        /// A policed rule's frames by meter colour (nil for a rule without `police:`).
        public var green: UInt64?
        public var yellow: UInt64?
        public var red: UInt64?

        public init(matched: UInt64, verified: UInt64, rewritten: UInt64, dscp: String, mode: String) {
            self.matched = matched
            self.verified = verified
            self.rewritten = rewritten
            self.dscp = dscp
            self.mode = mode
        }
    }

    public struct MAC: Codable, Sendable {
        public var learned: Int
        public var tableFull: UInt64
        public var spoofedSource: UInt64
        /// Entries removed by aging.
        public var aged: UInt64 = 0

        enum CodingKeys: String, CodingKey {
            case learned, tableFull = "table_full", spoofedSource = "spoofed_source", aged
        }

        public init(learned: Int, tableFull: UInt64, spoofedSource: UInt64, aged: UInt64) {
            self.learned = learned
            self.tableFull = tableFull
            self.spoofedSource = spoofedSource
            self.aged = aged
        }
    }

    public struct Pool: Codable, Sendable {
        public var size: Int
        public var inUse: Int

        enum CodingKeys: String, CodingKey { case size, inUse = "in_use" }

        public init(size: Int, inUse: Int) {
            self.size = size
            self.inUse = inUse
        }
    }

    /// How hard the workers work.
    public struct Work: Codable, Sendable {
        /// TSC cycles per frame of vmswitch's own work: parse, classify, rewrite, route, count
        /// (the rx and tx bursts, i.e. the drivers, excluded).
        public var cyclesPerFrame: Double
        public var tscHz: UInt64
        /// Poll rounds, and those in which some queue had frames.
        public var rounds: UInt64
        public var busyRounds: UInt64
        /// The workers' flow caches: IP frames looked up and found, and bursts decided while a
        /// cache stood aside (its governor found it not paying for itself: see `FlowCacheGovernor`).
        public var flowCacheLookups: UInt64
        public var flowCacheHits: UInt64
        public var flowCacheRestingBursts: UInt64

        enum CodingKeys: String, CodingKey {
            case cyclesPerFrame = "cycles_per_frame", tscHz = "tsc_hz", rounds, busyRounds = "busy_rounds"
            case flowCacheLookups = "flow_cache_lookups", flowCacheHits = "flow_cache_hits"
            case flowCacheRestingBursts = "flow_cache_resting_bursts"
        }

        public init(cyclesPerFrame: Double, tscHz: UInt64, rounds: UInt64, busyRounds: UInt64, flowCacheLookups: UInt64 = 0,
                    flowCacheHits: UInt64 = 0, flowCacheRestingBursts: UInt64 = 0) {
            self.cyclesPerFrame = cyclesPerFrame
            self.tscHz = tscHz
            self.rounds = rounds
            self.busyRounds = busyRounds
            self.flowCacheLookups = flowCacheLookups
            self.flowCacheHits = flowCacheHits
            self.flowCacheRestingBursts = flowCacheRestingBursts
        }
    }

    public var ports: [String: Port]
    public var qos: QoS
    public var rules: [String: Rule]
    public var mac: MAC
    public var pools: [String: Pool]
    public var work: Work
    /// Frames each `paths` entry took (in `paths` order).
    public var paths: [UInt64]
    public var policyVersion: UInt64
    public var seconds: Double
    /// Port names in configuration order, and rule names in rule order (the default last).
    public var portOrder: [String]
    public var ruleOrder: [String]

    enum CodingKeys: String, CodingKey {
        case ports, qos, rules, mac, pools, work, paths, seconds
        case policyVersion = "policy_version", portOrder = "port_order", ruleOrder = "rule_order"
    }


    public init(ports: [String: Port], qos: QoS, rules: [String: Rule], mac: MAC, pools: [String: Pool], work: Work, paths: [UInt64], policyVersion: UInt64, seconds: Double, portOrder: [String], ruleOrder: [String]) {
        self.ports = ports
        self.qos = qos
        self.rules = rules
        self.mac = mac
        self.pools = pools
        self.work = work
        self.paths = paths
        self.policyVersion = policyVersion
        self.seconds = seconds
        self.portOrder = portOrder
        self.ruleOrder = ruleOrder
    }
}
