import VMSwitchCore
import Yams

/// `qos:` — the rules that assign a DSCP (first match wins) and the default.
struct QoSSection {
    let reader: YAMLReader
    let matches: MatchReader

    func read(_ node: Node, into policy: inout SwitchPolicy) throws(ConfigError) {
        let fields = try reader.mapping(node, "qos", allowed: ["rules", "default", "mode"])
        if let mode = fields["mode"] { policy.defaultMode = try matches.mode(mode, "qos") }
        if let fallback = fields["default"] { policy.defaultAssignment = try matches.assignment(fallback, "qos default") }
        guard let rulesNode = fields["rules"] else { return }
        var names: Set<String> = ["default"]
        for (index, entry) in try reader.sequence(rulesNode, "qos rules").enumerated() {
            let rule = try readRule(entry, number: index + 1)
            guard names.insert(rule.name).inserted else {
                throw reader.error(entry, "duplicate rule name \"\(rule.name)\"")
            }
            policy.rules.append(rule)
        }
    }

    private func readRule(_ node: Node, number: Int) throws(ConfigError) -> QoSRule {
        let fields = try reader.mapping(node, "qos rule \(number)", allowed: ["name", "match", "dscp", "mode", "police"])
        let name = try fields["name"].map { node throws(ConfigError) in try reader.string(node, "rule name") }
            ?? "rule\(number)"
        let what = "rule \"\(name)\""
        guard let dscpNode = fields["dscp"] else { throw reader.error(node, "\(what) needs a \"dscp\"") }
        var rule = QoSRule(name: name, assignment: try matches.assignment(dscpNode, what))
        if let mode = fields["mode"] { rule.mode = try matches.mode(mode, what) }
        if let match = fields["match"] { rule.match = try readMatch(match, what) }
        if let police = fields["police"] { rule.police = try PoliceReader(reader: reader, matches: matches).read(police, what) }
        return rule
    }

    private func readMatch(_ node: Node, _ what: String) throws(ConfigError) -> FrameMatch {
        let fields = try reader.mapping(node, "\(what) match", allowed: [
            "from", "vlan", "src", "dst", "proto", "sport", "dport",
        ])
        var match = FrameMatch()
        if let from = fields["from"] { match.from = try matches.portIndices(from, "\(what) from") }
        if let vlan = fields["vlan"] { match.vlan = try matches.ranges(vlan, "\(what) vlan", limit: 0...4095) }
        if let src = fields["src"] { match.src = try matches.prefixes(src, "\(what) src") }
        if let dst = fields["dst"] { match.dst = try matches.prefixes(dst, "\(what) dst") }
        if let proto = fields["proto"] { match.proto = try matches.protocols(proto, "\(what) proto") }
        if let sport = fields["sport"] { match.sport = try matches.ranges(sport, "\(what) sport", limit: 0...65535) }
        if let dport = fields["dport"] { match.dport = try matches.ranges(dport, "\(what) dport", limit: 0...65535) }
        return match
    }
}
