import VMSwitchCore
import Yams

/// `paths:` — where the final DSCP sends a frame instead of the MAC decision (first match wins).
struct PathsSection {
    let reader: YAMLReader
    let matches: MatchReader

    static let maxQueue = 7

    func read(_ node: Node) throws(ConfigError) -> [PathRule] {
        try reader.sequence(node, "paths").enumerated().map { index, entry throws(ConfigError) in
            try readPath(entry, what: "path \(index + 1)")
        }
    }

    private func readPath(_ node: Node, what: String) throws(ConfigError) -> PathRule {
        let fields = try reader.mapping(node, what, allowed: ["dscp", "dst", "from", "to", "queue", "drop"])
        guard let dscpNode = fields["dscp"] else { throw reader.error(node, "\(what) needs \"dscp\"") }
        let dscps = try reader.list(dscpNode, "\(what) dscp").map { entry throws(ConfigError) in
            try matches.dscp(entry, "\(what) dscp")
        }
        let action: PathRule.Action
        let drop = try fields["drop"].map { node throws(ConfigError) in try reader.bool(node, "\(what) drop") } ?? false
        switch (fields["to"], drop) {
        case (.some(let to), false):
            let port = try matches.portIndex(to, "\(what) to")
            let queue = try fields["queue"].map { node throws(ConfigError) in
                try reader.int(node, "\(what) queue", in: 0...PathsSection.maxQueue)
            } ?? 0
            action = .output(port: port, queue: queue)
        case (nil, true):
            if let queue = fields["queue"] { throw reader.error(queue, "\(what): a dropping path has no queue") }
            action = .drop
        case (.some(let to), true):
            throw reader.error(to, "\(what): give either \"to\" or \"drop: true\", not both")
        case (nil, false):
            throw reader.error(node, "\(what) needs \"to: PORT\" or \"drop: true\"")
        }
        var path = PathRule(dscps: dscps, action: action)
        if let from = fields["from"] { path.from = try matches.portIndices(from, "\(what) from") }
        if let dst = fields["dst"] { path.dst = try matches.prefixes(dst, "\(what) dst") }
        return path
    }
}
