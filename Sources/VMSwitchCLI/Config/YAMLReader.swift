import Yams

/// Typed reads of YAML nodes, each failing with the file and line of the offending value.
struct YAMLReader {
    let file: String

    func error(_ node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node?.mark?.line, message: message)
    }

    /// The node's text for messages: the scalar itself, or its kind.
    func shown(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// A mapping's entries by key, refusing keys outside `allowed`.
    func mapping(_ node: Node, _ what: String, allowed: [String]) throws(ConfigError) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw error(node, "\(what) must be a mapping, not \(shown(node))")
        }
        var entries: [String: Node] = [:]
        for (key, value) in mapping {
            guard case .scalar(let name) = key else { throw error(key, "\(what): keys must be names") }
            guard allowed.contains(name.string) else {
                throw error(key, "\(what): unknown key \"\(name.string)\" (known: \(allowed.joined(separator: ", ")))")
            }
            guard entries[name.string] == nil else { throw error(key, "\(what): duplicate key \"\(name.string)\"") }
            entries[name.string] = value
        }
        return entries
    }

    func string(_ node: Node, _ what: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(node, "\(what) must be a single value, not \(shown(node))")
        }
        return scalar.string
    }

    func int(_ node: Node, _ what: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try string(node, what)
        guard let value = Int(text), range.contains(value) else {
            throw error(node, "\(what) must be a number in \(range.lowerBound)-\(range.upperBound), not \"\(text)\"")
        }
        return value
    }

    func bool(_ node: Node, _ what: String) throws(ConfigError) -> Bool {
        let text = try string(node, what)
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, "\(what) must be true or false, not \"\(text)\"")
        }
    }

    /// A single value or a list of values.
    func list(_ node: Node, _ what: String) throws(ConfigError) -> [Node] {
        switch node {
        case .sequence(let sequence):
            guard !sequence.isEmpty else { throw error(node, "\(what) must not be an empty list") }
            return Array(sequence)
        case .scalar: return [node]
        default: throw error(node, "\(what) must be a value or a list of values, not \(shown(node))")
        }
    }

    func sequence(_ node: Node, _ what: String) throws(ConfigError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(node, "\(what) must be a list, not \(shown(node))")
        }
        return Array(sequence)
    }

    /// A number or an inclusive range `a-b` within `limit`.
    func range(_ node: Node, _ what: String, limit: ClosedRange<Int>) throws(ConfigError) -> ClosedRange<UInt16> {
        let text = try string(node, what)
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
            .map { Int($0.filter { $0 != " " }) }
        guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!,
              limit.contains(low), limit.contains(high), low <= high
        else {
            throw error(node, "\(what) must be a number or a range a-b within "
                              + "\(limit.lowerBound)-\(limit.upperBound), not \"\(text)\"")
        }
        return UInt16(low)...UInt16(high)
    }
}
