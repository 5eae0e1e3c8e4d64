import Dataplane
import VMSwitchCore

/// The QoS audit: per port, how often what a VM sends differs from what the policy assigns, and
/// the commonest (received -> assigned) pairs; per rule, how often it had to act; and what the
/// monitor-mode rules would rewrite if enforced.
struct AuditReport: Codable {
    struct Pair: Codable, Equatable {
        var received: String
        var assigned: String
        var frames: UInt64
    }

    struct Port: Codable {
        var name: String
        var ipFrames: UInt64
        var inconsistent: UInt64
        /// inconsistent / ipFrames (0 when there were none).
        var share: Double
        var topPairs: [Pair]

        enum CodingKeys: String, CodingKey {
            case name, inconsistent, share, ipFrames = "ip_frames", topPairs = "top_pairs"
        }
    }

    struct Rule: Codable {
        var name: String
        var dscp: String
        var mode: String
        var matched: UInt64
        var verified: UInt64
        var rewritten: UInt64
        var share: Double
    }

    var ports: [Port]
    var rules: [Rule]
    /// Monitor-mode rules that found frames to rewrite: what enforcing them would change.
    var monitorWouldRewrite: [String: UInt64]

    enum CodingKeys: String, CodingKey {
        case ports, rules, monitorWouldRewrite = "monitor_would_rewrite"
    }

    init(_ stats: StatsSnapshot, top: Int = 3) {
        func name(_ dscp: Int) -> String { DSCP(dscp)?.description ?? "\(dscp)" }
        ports = stats.portOrder.compactMap { portName in
            guard let port = stats.ports[portName] else { return nil }
            let pairs = port.dscpPairs.compactMap { key, frames -> (Int, Int, UInt64)? in
                let parts = key.split(separator: ">").compactMap { Int($0) }
                guard parts.count == 2, parts[0] != parts[1] else { return nil }
                return (parts[0], parts[1], frames)
            }.sorted { ($0.2, -$0.0, -$0.1) > ($1.2, -$1.0, -$1.1) }
            let total = port.verified + port.inconsistent
            return Port(name: portName, ipFrames: total, inconsistent: port.inconsistent,
                        share: total == 0 ? 0 : Double(port.inconsistent) / Double(total),
                        topPairs: pairs.prefix(top).map { Pair(received: name($0.0), assigned: name($0.1), frames: $0.2) })
        }
        rules = stats.ruleOrder.compactMap { ruleName in
            guard let rule = stats.rules[ruleName] else { return nil }
            return Rule(name: ruleName, dscp: rule.dscp, mode: rule.mode, matched: rule.matched, verified: rule.verified,
                        rewritten: rule.rewritten,
                        share: rule.matched == 0 ? 0 : Double(rule.rewritten) / Double(rule.matched))
        }
        monitorWouldRewrite = Dictionary(uniqueKeysWithValues: rules.filter { $0.mode == "monitor" && $0.rewritten > 0 }
            .map { ($0.name, $0.rewritten) })
    }

    func render() -> String {
        func percent(_ share: Double) -> String {
            let tenths = Int((share * 1000).rounded())
            return "\(tenths / 10).\(tenths % 10)%"
        }
        var lines = ["QoS audit: frames whose DSCP differed from what the policy assigns", ""]
        lines.append(StatsReport.table(
            header: ["port", "ip frames", "inconsistent", "share", "top received -> assigned"],
            rows: ports.map { port in
                [port.name, "\(port.ipFrames)", "\(port.inconsistent)", percent(port.share),
                 port.topPairs.isEmpty ? "-" : port.topPairs.map { "\($0.received)->\($0.assigned) \($0.frames)" }
                    .joined(separator: ", ")]
            }))
        lines.append("")
        lines.append(StatsReport.table(
            header: ["rule", "dscp", "mode", "matched", "verified", "rewritten", "share"],
            rows: rules.map { rule in
                [rule.name, rule.dscp, rule.mode, "\(rule.matched)", "\(rule.verified)", "\(rule.rewritten)",
                 percent(rule.share)]
            }))
        if !monitorWouldRewrite.isEmpty {
            lines.append("")
            lines.append("monitor-mode rules that would rewrite if enforced:")
            for rule in rules where monitorWouldRewrite[rule.name] != nil {
                lines.append("  \(rule.name): \(rule.rewritten) of \(rule.matched) frames (\(percent(rule.share))) -> \(rule.dscp)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
