import Dataplane
import VMSwitchCore
import Yams

/// A port's `egress:` (see README, "Egress shaping").
struct EgressReader {
    let reader: YAMLReader
    let matches: MatchReader

    func read(_ node: Node, _ what: String) throws(ConfigError) -> EgressShaping {
        let fields = try reader.mapping(node, "\(what) egress", allowed: ["rate", "classes", "best-effort", "queue-size"])
        guard let rateNode = fields["rate"] else { throw reader.error(node, "\(what) egress needs a \"rate\"") }
        let (unit, rate) = try PoliceReader(reader: reader, matches: matches).readRate(rateNode, "\(what) egress rate")
        guard rate <= EgressSchedulers.lineRate else {
            throw reader.error(rateNode, "\(what) egress rate: at most 100Gbit (the line rte_sched is given)")
        }
        var shaping = EgressShaping(rate: rate)
        shaping.countsFrames = unit == .frames
        var named: [UInt8: String] = [:]
        var names: Set<String> = []
        if let classesNode = fields["classes"] {
            let entries = try reader.sequence(classesNode, "\(what) egress classes")
            guard entries.count <= EgressShaping.maxClasses else {
                throw reader.error(classesNode, "\(what) egress: at most \(EgressShaping.maxClasses) classes (rte_sched's strict priorities)")
            }
            for entry in entries {
                let classFields = try reader.mapping(entry, "\(what) egress class", allowed: ["name", "dscp", "rate"])
                guard let nameNode = classFields["name"], let dscpNode = classFields["dscp"] else {
                    throw reader.error(entry, "\(what) egress class needs a \"name\" and a \"dscp\" list")
                }
                let name = try reader.string(nameNode, "\(what) egress class name")
                guard names.insert(name).inserted else { throw reader.error(nameNode, "\(what) egress: duplicate class \"\(name)\"") }
                let dscps = try reader.list(dscpNode, "\(what) egress class \(name) dscp").map { node throws(ConfigError) in
                    try matches.dscp(node, "\(what) egress class \(name) dscp")
                }
                for dscp in dscps {
                    if let owner = named[dscp.value] {
                        throw reader.error(dscpNode, "\(what) egress: \(dscp) is already in class \"\(owner)\"")
                    }
                    named[dscp.value] = name
                }
                var cap: UInt64?
                if let capNode = classFields["rate"] {
                    let (capUnit, value) = try PoliceReader(reader: reader, matches: matches)
                        .readRate(capNode, "\(what) egress class \(name) rate")
                    guard capUnit == unit else {
                        throw reader.error(capNode, "\(what) egress class \(name) rate must count \(unit.rawValue) like the port's rate")
                    }
                    cap = value
                    guard cap! <= rate else { throw reader.error(capNode, "\(what) egress class \(name): rate above the port's") }
                }
                shaping.classes.append(EgressShaping.Class(name: name, dscps: dscps, rate: cap))
            }
        }
        if let bestEffort = fields["best-effort"] {
            shaping.bestEffort = try readBestEffort(bestEffort, what, classNames: names, named: named)
        }
        if let size = fields["queue-size"] {
            let value = try reader.int(size, "\(what) egress queue-size", in: 16...8192)
            guard value & (value - 1) == 0 else { throw reader.error(size, "\(what) egress queue-size must be a power of two") }
            shaping.queueSize = value
        }
        return shaping
    }

    /// `{weights: {AF1x: 2, BE: 1}}`: up to 4 queues, each a DSCP, a group (AF1x-AF4x) or BE (every
    /// best-effort DSCP no other queue names).
    private func readBestEffort(_ node: Node, _ what: String, classNames: Set<String>,
                                named: [UInt8: String]) throws(ConfigError) -> [EgressShaping.BestEffortQueue] {
        let fields = try reader.mapping(node, "\(what) egress best-effort", allowed: ["weights"])
        guard let weightsNode = fields["weights"], case .mapping(let weights) = weightsNode else {
            throw reader.error(node, "\(what) egress best-effort needs \"weights\": {QUEUE: WEIGHT, ...}")
        }
        guard weights.count <= EgressShaping.maxBestEffortQueues else {
            throw reader.error(weightsNode, "\(what) egress: at most \(EgressShaping.maxBestEffortQueues) best-effort queues")
        }
        var queues: [EgressShaping.BestEffortQueue] = []
        for (key, value) in weights {
            let name = try reader.string(key, "\(what) egress best-effort queue")
            let weight = try reader.int(value, "\(what) egress best-effort weight of \(name)", in: 1...255)
            var dscps: [DSCP] = []
            if name == "BE" {
                dscps = []
            } else if name.count == 4, name.hasPrefix("AF"), name.hasSuffix("x"), let group = Int(String(name.dropFirst(2).prefix(1))),
                      (1...4).contains(group) {
                dscps = (1...3).compactMap { DSCP(parsing: "AF\(group)\($0)") }
            } else if let dscp = DSCP(parsing: name) {
                dscps = [dscp]
            } else {
                throw reader.error(key, "\(what) egress best-effort queue \"\(name)\" must be BE, AF1x-AF4x or a DSCP")
            }
            if let taken = dscps.first(where: { named[$0.value] != nil }) {
                throw reader.error(key, "\(what) egress: \(taken) is in class \"\(named[taken.value]!)\", not best effort")
            }
            guard !classNames.contains(name) else { throw reader.error(key, "\(what) egress: \"\(name)\" is also a class") }
            queues.append(EgressShaping.BestEffortQueue(name: name, dscps: dscps, weight: weight))
        }
        if !queues.contains(where: { $0.dscps.isEmpty }) {
            guard queues.count < EgressShaping.maxBestEffortQueues else {
                throw reader.error(weightsNode, "\(what) egress best-effort: name a BE queue for the remaining DSCPs")
            }
            queues.append(EgressShaping.BestEffortQueue(name: "BE", dscps: [], weight: 1))
        }
        return queues
    }
}
