import Dataplane
import Foundation
import VMSwitchCore
import Yams

/// Reads the YAML configuration (see README, "Configuration") into a checked `SwitchConfig`.
/// Every error names the file, the line and the offending value.
public enum ConfigLoader {
    public static let maxPorts = 32

    public static func load(path: String) throws(ConfigError) -> SwitchConfig {
        let text: String
        do {
            text = try readFile(path)
        } catch {
            throw ConfigError(file: path, line: nil, message: "cannot read the configuration: \(error)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> SwitchConfig {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw ConfigError(file: file, line: nil, message: "the configuration is empty")
            }
            root = composed
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw ConfigError(file: file, line: nil, message: "YAML syntax error: \(error)")
        }
        let reader = YAMLReader(file: file)
        let top = try reader.mapping(root, "the configuration", allowed: ["ports", "qos", "paths", "workers", "dataplane"])
        guard let portsNode = top["ports"] else { throw reader.error(root, "the configuration has no \"ports\" list") }
        let ports = try PortsSection(reader: reader).read(portsNode)
        var policy = SwitchPolicy(ports: ports)
        let matches = MatchReader(reader: reader, ports: ports)
        if let qos = top["qos"] { try QoSSection(reader: reader, matches: matches).read(qos, into: &policy) }
        if let paths = top["paths"] { policy.paths = try PathsSection(reader: reader, matches: matches).read(paths) }
        var config = SwitchConfig(policy: policy, file: file)
        if let dataplane = top["dataplane"] {
            config.options = try readDataplane(dataplane, reader: reader)
            if let aging = try reader.mapping(dataplane, "dataplane", allowed: dataplaneKeys)["mac-aging"] {
                config.policy.macAging = try reader.int(aging, "mac-aging (seconds, 0: never)", in: 0...1_000_000)
            }
        }
        if let workers = top["workers"] {
            config.options.workerLcores = try reader.list(workers, "workers").map { node throws(ConfigError) in
                try reader.int(node, "a worker lcore", in: 0...127)
            }
        }
        return config
    }

    static let dataplaneKeys = [
        "burst", "rx-descriptors", "tx-descriptors", "mbufs", "mac-table-size", "mtu", "flow-cache", "audit", "mac-aging",
    ]

    /// The settings that need a restart (`mac-aging` is the policy's: a reload changes it).
    static func readDataplane(_ node: Node, reader: YAMLReader) throws(ConfigError) -> Switch.Options {
        let entries = try reader.mapping(node, "dataplane", allowed: dataplaneKeys)
        var options = Switch.Options()
        if let value = entries["burst"] { options.burst = try reader.int(value, "burst", in: 1...BurstFrames.capacity) }
        if let value = entries["rx-descriptors"] {
            options.rxDescriptors = try reader.int(value, "rx-descriptors", in: 64...32768)
        }
        if let value = entries["tx-descriptors"] {
            options.txDescriptors = try reader.int(value, "tx-descriptors", in: 64...32768)
        }
        if let value = entries["mbufs"] { options.mbufsPerPool = try reader.int(value, "mbufs", in: 1024...16_777_215) }
        if let value = entries["mac-table-size"] {
            let size = try reader.int(value, "mac-table-size", in: 16...16_777_216)
            guard size & (size - 1) == 0 else { throw reader.error(value, "mac-table-size must be a power of two, not \(size)") }
            options.macTableSize = size
        }
        if let value = entries["flow-cache"] {
            let size = try reader.int(value, "flow-cache", in: 0...4_194_304)
            guard size & (size - 1) == 0 else { throw reader.error(value, "flow-cache must be 0 or a power of two, not \(size)") }
            options.flowCacheSize = size
        }
        if let value = entries["audit"] { options.auditCounters = try reader.bool(value, "audit") }
        if let value = entries["mtu"] { options.mtu = try reader.int(value, "mtu", in: 68...9600) }
        return options
    }

    static func syntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, message: "YAML syntax error: \(problem)")
        default:
            return ConfigError(file: file, line: nil, message: "YAML syntax error: \(error)")
        }
    }
}

func readFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw SwitchError("no such file, or not readable")
    }
    return String(decoding: data, as: UTF8.self)
}
