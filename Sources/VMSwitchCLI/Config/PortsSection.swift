import VMSwitchCore
import Yams

/// `ports:` — the switch's ports, in DPDK port order.
struct PortsSection {
    let reader: YAMLReader

    func read(_ node: Node) throws(ConfigError) -> [PortSpec] {
        let entries = try reader.sequence(node, "ports")
        guard !entries.isEmpty else { throw reader.error(node, "ports must list at least one port") }
        guard entries.count <= ConfigLoader.maxPorts else {
            throw reader.error(node, "at most \(ConfigLoader.maxPorts) ports are supported, not \(entries.count)")
        }
        var ports: [PortSpec] = []
        var macOwners: [MACAddress: String] = [:]
        for entry in entries {
            let port = try readPort(entry)
            if ports.contains(where: { $0.name == port.spec.name }) {
                throw reader.error(port.nameNode, "duplicate port name \"\(port.spec.name)\"")
            }
            for (mac, node) in zip(port.spec.macs, port.macNodes) {
                if let owner = macOwners[mac] {
                    throw reader.error(node, "MAC \(mac) is already a static address of port \"\(owner)\"")
                }
                macOwners[mac] = port.spec.name
            }
            ports.append(port.spec)
        }
        return ports
    }

    private func readPort(_ node: Node) throws(ConfigError) -> (spec: PortSpec, nameNode: Node, macNodes: [Node]) {
        let fields = try reader.mapping(node, "a port", allowed: [
            "name", "role", "device", "vhost", "vhost-client", "vhost-owner", "vhost-group", "numa", "mac", "queues", "offload",
            "egress",
        ] + PortSafetyFields.keys)
        guard let nameNode = fields["name"] else { throw reader.error(node, "a port needs a \"name\"") }
        let name = try reader.string(nameNode, "name")
        guard !name.isEmpty, name.count <= 32,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw reader.error(nameNode, "port name \"\(name)\" must be 1-32 letters, digits, '-', '_' or '.'")
        }
        let what = "port \"\(name)\""
        let backend: PortSpec.Backend
        switch (fields["device"], fields["vhost"]) {
        case (.some(let device), nil):
            let devargs = try reader.string(device, "\(what): device")
            guard !devargs.isEmpty else { throw reader.error(device, "\(what): device must not be empty") }
            for key in ["vhost-client", "vhost-owner", "vhost-group"] {
                if let node = fields[key] { throw reader.error(node, "\(what): \(key) applies only to a vhost port") }
            }
            backend = .device(devargs)
        case (nil, .some(let vhost)):
            let path = try reader.string(vhost, "\(what): vhost")
            guard path.hasPrefix("/") else {
                throw reader.error(vhost, "\(what): vhost must be an absolute socket path, not \"\(path)\"")
            }
            guard !path.contains(",") else {
                throw reader.error(vhost, "\(what): vhost socket path must not contain ',': \"\(path)\"")
            }
            let client = try fields["vhost-client"].map { node throws(ConfigError) in
                try reader.bool(node, "\(what): vhost-client")
            } ?? false
            backend = .vhost(path: path, client: client)
        case (.some, .some(let vhost)):
            throw reader.error(vhost, "\(what): give either \"vhost\" or \"device\", not both")
        case (nil, nil):
            throw reader.error(node, "\(what) needs a \"device\" or a \"vhost\" socket")
        }
        var role: PortSpec.Role
        if case .vhost = backend { role = .virtual } else { role = .physical }
        if let roleNode = fields["role"] {
            let text = try reader.string(roleNode, "\(what): role")
            guard let parsed = PortSpec.Role(rawValue: text) else {
                throw reader.error(roleNode, "\(what): role must be physical or virtual, not \"\(text)\"")
            }
            role = parsed
        }
        let numa = try fields["numa"].map { node throws(ConfigError) in try reader.int(node, "\(what): numa", in: 0...63) }
        let queues = try fields["queues"].map { node throws(ConfigError) in
            try reader.int(node, "\(what): queues", in: 1...16)
        } ?? 1
        var macs: [MACAddress] = []
        var macNodes: [Node] = []
        if let macNode = fields["mac"] {
            for entry in try reader.list(macNode, "\(what): mac") {
                let text = try reader.string(entry, "\(what): mac")
                guard let mac = MACAddress(parsing: text) else {
                    throw reader.error(entry, "\(what): bad MAC address \"\(text)\"")
                }
                guard !mac.isGroup else {
                    throw reader.error(entry, "\(what): \(text) is a multicast/broadcast address, not a port's MAC")
                }
                macs.append(mac)
                macNodes.append(entry)
            }
        }
        var spec = PortSpec(name: name, role: role, backend: backend, numa: numa, macs: macs, queues: queues)
        if let owner = fields["vhost-owner"] {
            let name = try reader.string(owner, "\(what): vhost-owner")
            guard let uid = SystemIDs.user(name) else { throw reader.error(owner, "\(what): vhost-owner: no user \"\(name)\"") }
            spec.socketOwner = uid
        }
        if let group = fields["vhost-group"] {
            let name = try reader.string(group, "\(what): vhost-group")
            guard let gid = SystemIDs.group(name) else { throw reader.error(group, "\(what): vhost-group: no group \"\(name)\"") }
            spec.socketGroup = gid
        }
        if let offload = fields["offload"] {
            let text = try reader.string(offload, "\(what): offload")
            guard text == "auto" || text == "off" else {
                throw reader.error(offload, "\(what): offload must be auto or off, not \"\(text)\"")
            }
            spec.offload = text == "auto"
        }
        try PortSafetyFields(reader: reader).read(fields, what, into: &spec)
        if let egress = fields["egress"] {
            spec.egress = try EgressReader(reader: reader, matches: MatchReader(reader: reader, ports: [])).read(egress, what)
        }
        if case .vhost(_, true) = backend, fields["vhost-owner"] != nil || fields["vhost-group"] != nil {
            throw reader.error(node, "\(what): in client mode the VM creates the socket; vhost-owner/vhost-group do not apply")
        }
        return (spec, nameNode, macNodes)
    }
}
