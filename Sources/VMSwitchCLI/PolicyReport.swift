import VMSwitchCore

/// What `vmswitch check` prints: the policy as vmswitch understood it, and its compiled size.
enum PolicyReport {
    static func render(_ config: SwitchConfig, compiled: CompiledPolicy) -> String {
        let policy = config.policy
        let names = policy.ports.map(\.name)
        var lines = ["\(config.file): OK", "", "ports (DPDK port order):"]
        for (index, port) in policy.ports.enumerated() {
            var backend: String
            switch port.backend {
            case .device(let devargs): backend = "device \(devargs)"
            case .vhost(let path, let client): backend = "vhost-user \(client ? "client" : "server") \(path)"
            }
            if port.queues > 1 { backend += ", \(port.queues) queues" }
            let numa = port.numa.map { ", numa \($0)" } ?? ""
            let macs = port.macs.isEmpty ? "" : ", static MAC " + port.macs.map(\.description).joined(separator: " ")
            lines.append("  \(index) \(port.name) (\(port.role.rawValue)): \(backend)\(numa)\(macs)")
        }
        lines.append("")
        lines.append("qos rules (first match wins; mode \(policy.defaultMode.rawValue) unless given):")
        for (index, rule) in policy.rules.enumerated() {
            let mode = rule.mode.map { " [\($0.rawValue)]" } ?? ""
            lines.append("  \(index + 1) \(rule.name): \(describe(rule.match, names)) -> dscp \(rule.assignment)\(mode)")
        }
        lines.append("  default: -> dscp \(policy.defaultAssignment)")
        if !policy.paths.isEmpty {
            lines.append("")
            lines.append("paths (by final DSCP; first match wins):")
            for (index, path) in policy.paths.enumerated() {
                var condition = "dscp " + path.dscps.map(\.description).joined(separator: ",")
                if let from = path.from { condition += " from " + from.map { names[$0] }.joined(separator: ",") }
                if let dst = path.dst { condition += " dst " + dst.map(\.description).joined(separator: ",") }
                let action: String
                switch path.action {
                case .drop: action = "drop"
                case .output(let port, let queue): action = "out \(names[port]) queue \(queue)"
                }
                lines.append("  \(index + 1) \(condition) -> \(action)")
            }
        }
        let image = compiled.image.pointee
        lines.append("")
        lines.append("compiled: \(image.rules.ruleCount) rules in \(image.rules.words) bitset word(s), "
                     + "\(image.paths.ruleCount) paths, \(image.staticMACCount) static MACs, "
                     + "\(compiled.tableBytes) table bytes")
        return lines.joined(separator: "\n")
    }

    static func describe(_ match: FrameMatch, _ names: [String]) -> String {
        var parts: [String] = []
        func ranges(_ list: [ClosedRange<UInt16>]) -> String {
            list.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
                .joined(separator: ",")
        }
        if let from = match.from { parts.append("from " + from.map { names[$0] }.joined(separator: ",")) }
        if let vlan = match.vlan { parts.append("vlan " + ranges(vlan)) }
        if let src = match.src { parts.append("src " + src.map(\.description).joined(separator: ",")) }
        if let dst = match.dst { parts.append("dst " + dst.map(\.description).joined(separator: ",")) }
        if let proto = match.proto {
            parts.append("proto " + proto.map { value in
                MatchReader.protocolNames.first { $0.value == value }?.key ?? "\(value)"
            }.joined(separator: ","))
        }
        if let sport = match.sport { parts.append("sport " + ranges(sport)) }
        if let dport = match.dport { parts.append("dport " + ranges(dport)) }
        return parts.isEmpty ? "any frame" : parts.joined(separator: " ")
    }
}
