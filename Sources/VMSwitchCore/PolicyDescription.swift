/// Rules and paths as one line of text each, the way the configuration says them.
public enum PolicyDescription {
    public static let protocolNames: [(name: String, number: UInt8)] = [
        ("tcp", IPProtocol.tcp), ("udp", IPProtocol.udp), ("icmp", IPProtocol.icmp),
        ("icmpv6", IPProtocol.icmpv6), ("sctp", IPProtocol.sctp),
    ]

    /// "from vm1 proto udp dport 5060-5080", or "any frame".
    public static func match(_ match: FrameMatch, portNames: [String]) -> String {
        var parts: [String] = []
        func ranges(_ list: [ClosedRange<UInt16>]) -> String {
            list.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
                .joined(separator: ",")
        }
        if let from = match.from { parts.append("from " + from.map { portNames[$0] }.joined(separator: ",")) }
        if let vlan = match.vlan { parts.append("vlan " + ranges(vlan)) }
        if let src = match.src { parts.append("src " + src.map(\.description).joined(separator: ",")) }
        if let dst = match.dst { parts.append("dst " + dst.map(\.description).joined(separator: ",")) }
        if let proto = match.proto {
            parts.append("proto " + proto.map { value in
                protocolNames.first { $0.number == value }?.name ?? "\(value)"
            }.joined(separator: ","))
        }
        if let sport = match.sport { parts.append("sport " + ranges(sport)) }
        if let dport = match.dport { parts.append("dport " + ranges(dport)) }
        return parts.isEmpty ? "any frame" : parts.joined(separator: " ")
    }

    /// "dscp CS1 dst 10.0.9.0/24 -> out uplink queue 0", or "... -> drop".
    public static func path(_ path: PathRule, portNames: [String]) -> String {
        var condition = "dscp " + path.dscps.map(\.description).joined(separator: ",")
        if let from = path.from { condition += " from " + from.map { portNames[$0] }.joined(separator: ",") }
        if let dst = path.dst { condition += " dst " + dst.map(\.description).joined(separator: ",") }
        switch path.action {
        case .drop: return condition + " -> drop"
        case .output(let port, let queue): return condition + " -> out \(portNames[port]) queue \(queue)"
        }
    }
}
