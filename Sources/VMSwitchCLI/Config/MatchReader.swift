import VMSwitchCore
import Yams

/// The value forms rules and paths share: port names, prefixes, protocols, DSCPs, ranges.
struct MatchReader {
    let reader: YAMLReader
    let ports: [PortSpec]

    func portIndices(_ node: Node, _ what: String) throws(ConfigError) -> [Int] {
        try reader.list(node, what).map { entry throws(ConfigError) in try portIndex(entry, what) }
    }

    func portIndex(_ node: Node, _ what: String) throws(ConfigError) -> Int {
        let name = try reader.string(node, what)
        guard let index = ports.firstIndex(where: { $0.name == name }) else {
            throw reader.error(node, "\(what): unknown port \"\(name)\" (ports: \(ports.map(\.name).joined(separator: ", ")))")
        }
        return index
    }

    func prefixes(_ node: Node, _ what: String) throws(ConfigError) -> [IPPrefix] {
        try reader.list(node, what).map { entry throws(ConfigError) in
            let text = try reader.string(entry, what)
            do {
                return try IPPrefix(parsing: text)
            } catch {
                throw reader.error(entry, "\(what): bad CIDR \"\(text)\": \(error)")
            }
        }
    }


    func protocols(_ node: Node, _ what: String) throws(ConfigError) -> [UInt8] {
        try reader.list(node, what).map { entry throws(ConfigError) in
            let text = try reader.string(entry, what)
            if let named = PolicyDescription.protocolNames.first(where: { $0.name == text.lowercased() }) {
                return named.number
            }
            guard let number = UInt8(text) else {
                throw reader.error(entry, "\(what): bad protocol \"\(text)\" (tcp, udp, icmp, icmpv6, sctp or 0-255)")
            }
            return number
        }
    }

    func ranges(_ node: Node, _ what: String, limit: ClosedRange<Int>) throws(ConfigError) -> [ClosedRange<UInt16>] {
        try reader.list(node, what).map { entry throws(ConfigError) in try reader.range(entry, what, limit: limit) }
    }

    func dscp(_ node: Node, _ what: String) throws(ConfigError) -> DSCP {
        let text = try reader.string(node, what)
        guard let dscp = DSCP(parsing: text) else {
            throw reader.error(node, "\(what): bad DSCP \"\(text)\" (0-63, BE, CS0-CS7, AF11-AF43, EF or VA)")
        }
        return dscp
    }

    func assignment(_ node: Node, _ what: String) throws(ConfigError) -> DSCPAssignment {
        if try reader.string(node, what).lowercased() == "keep" { return .keep }
        return .set(try dscp(node, what))
    }

    func mode(_ node: Node, _ what: String) throws(ConfigError) -> QoSMode {
        let text = try reader.string(node, what)
        guard let mode = QoSMode(rawValue: text) else {
            throw reader.error(node, "\(what): mode must be enforce or monitor, not \"\(text)\"")
        }
        return mode
    }
}
