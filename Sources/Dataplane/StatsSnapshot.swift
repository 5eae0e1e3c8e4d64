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
        /// Frames polled by a worker on another NUMA node than the port's.
        public var rxCrossNode: UInt64
        /// Frames the NIC/PMD could not deliver to rx (DPDK's imissed and rx_nombuf).
        public var rxMissed: UInt64
        public var rxNoMbuf: UInt64
        public var dscpIn: [UInt64]
        public var dscpOut: [UInt64]

        enum CodingKeys: String, CodingKey {
            case rx, tx, dropped, drops, link, numa, lcore
            case rxCrossNode = "rx_cross_node", rxMissed = "rx_missed", rxNoMbuf = "rx_nombuf", dscpIn = "dscp_in", dscpOut = "dscp_out"
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
    }

    public struct Rule: Codable, Sendable {
        public var matched: UInt64
        public var verified: UInt64
        public var rewritten: UInt64
        public var dscp: String
        public var mode: String
    }

    public struct MAC: Codable, Sendable {
        public var learned: Int
        public var tableFull: UInt64
        public var spoofedSource: UInt64

        enum CodingKeys: String, CodingKey {
            case learned, tableFull = "table_full", spoofedSource = "spoofed_source"
        }
    }

    public struct Pool: Codable, Sendable {
        public var size: Int
        public var inUse: Int

        enum CodingKeys: String, CodingKey { case size, inUse = "in_use" }
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

        enum CodingKeys: String, CodingKey {
            case cyclesPerFrame = "cycles_per_frame", tscHz = "tsc_hz", rounds, busyRounds = "busy_rounds"
        }
    }

    public var ports: [String: Port]
    public var qos: QoS
    public var rules: [String: Rule]
    public var mac: MAC
    public var pools: [String: Pool]
    public var work: Work
    public var policyVersion: UInt64
    public var seconds: Double
    /// Port names in configuration order, and rule names in rule order (the default last).
    public var portOrder: [String]
    public var ruleOrder: [String]

    enum CodingKeys: String, CodingKey {
        case ports, qos, rules, mac, pools, work, seconds
        case policyVersion = "policy_version", portOrder = "port_order", ruleOrder = "rule_order"
    }

    public var totalRx: UInt64 { ports.values.reduce(0) { $0 + $1.rx } }
}
