import VMSwitchCore
import Yams

/// A port's tenant-safety settings: `mac-limit`, `port-security`, `ips`, `flood-limit`.
struct PortSafetyFields {
    static let keys = ["mac-limit", "port-security", "ips", "flood-limit"]

    let reader: YAMLReader

    func read(_ fields: [String: Node], _ what: String, into spec: inout PortSpec) throws(ConfigError) {
        if let node = fields["mac-limit"] {
            if case .scalar(let scalar) = node, scalar.string == "none" {
                spec.macLimit = nil
            } else {
                spec.macLimit = try reader.int(node, "\(what): mac-limit (a number of MACs, or none)", in: 0...16_777_216)
            }
        }
        if let node = fields["port-security"] {
            spec.portSecurity = try reader.bool(node, "\(what): port-security")
            if spec.portSecurity && spec.macs.isEmpty {
                throw reader.error(node, "\(what): port-security needs the port's own addresses in \"mac\"")
            }
        }
        if let node = fields["ips"] {
            guard spec.portSecurity else {
                throw reader.error(node, "\(what): ips applies only with port-security: true")
            }
            spec.ips = try MatchReader(reader: reader, ports: []).prefixes(node, "\(what): ips")
            guard !spec.ips.isEmpty else { throw reader.error(node, "\(what): ips must list at least one prefix") }
        }
        if let node = fields["flood-limit"] {
            spec.floodLimit = try reader.int(node, "\(what): flood-limit (frames per second)", in: 1...1_000_000_000)
        }
    }
}
