import CDPDK
import VMSwitchCore

/// A configured port as DPDK knows it.
struct SwitchPort {
    let index: Int
    let spec: PortSpec
    let dpdkPort: UInt16
    /// The node DPDK reports for the device (-1 when unknown).
    let deviceNode: Int

    /// The node the port's rx queues should be polled from: `numa:` from the configuration, else
    /// the device's node, else unknown.
    var node: Int? { spec.numa ?? (deviceNode >= 0 ? deviceNode : nil) }

    /// The devargs vmswitch probes for this port.
    static func devargs(for spec: PortSpec, index: Int) -> String {
        switch spec.backend {
        case .device(let devargs):
            return devargs
        case .vhost(let path, let client):
            return "net_vhost\(index),iface=\(path),queues=\(spec.queues)" + (client ? ",client=1" : "")
        }
    }

    static func attach(_ spec: PortSpec, index: Int) throws -> SwitchPort {
        if case .vhost(let path, false) = spec.backend { try VhostSocket.prepare(path: path, port: spec.name) }
        var port: UInt16 = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = cdpdk_port_attach(devargs(for: spec, index: index), &port, &message, message.count)
        guard rc == 0 else { throw SwitchError("port \(spec.name): \(cString(message))") }
        return SwitchPort(index: index, spec: spec, dpdkPort: port, deviceNode: Int(cdpdk_port_socket(port)))
    }

    func configure(txQueues: Int, rxPools: [OpaquePointer?], descriptors: (rx: Int, tx: Int), mtu: Int?) throws {
        var setup = cdpdk_port_setup(rx_queues: UInt16(spec.queues), tx_queues: UInt16(txQueues),
                                     rx_descriptors: UInt16(descriptors.rx), tx_descriptors: UInt16(descriptors.tx),
                                     mtu: UInt32(mtu ?? 0))
        var message = [CChar](repeating: 0, count: 256)
        let rc = rxPools.withUnsafeBufferPointer { pools in
            cdpdk_port_configure(dpdkPort, &setup, pools.baseAddress, &message, message.count)
        }
        guard rc == 0 else { throw SwitchError("port \(spec.name): \(cString(message))") }
    }

    /// After `configure`, a vhost server socket exists: give it its mode and owner.
    func secureSocket() throws {
        guard case .vhost(let path, false) = spec.backend else { return }
        try VhostSocket.secure(path: path, port: spec.name, owner: spec.socketOwner, group: spec.socketGroup)
    }

    var isVhost: Bool { if case .vhost = spec.backend { true } else { false } }

    /// The most TX queues the driver accepts.
    var maxTxQueues: Int {
        var rx: UInt16 = 0
        var tx: UInt16 = 0
        return cdpdk_port_max_queues(dpdkPort, &rx, &tx) == 0 ? Int(tx) : 1
    }

    /// The node of a connected vhost guest's memory, nil when unknown (or not a vhost port).
    var guestNode: Int? {
        guard isVhost else { return nil }
        let node = Int(cdpdk_vhost_numa_node(dpdkPort))
        return node >= 0 ? node : nil
    }

    /// The node of the connected guest's memory itself, nil when unknown.
    var guestMemoryNode: Int? {
        guard isVhost else { return nil }
        let node = Int(cdpdk_vhost_guest_memory_node(dpdkPort))
        return node >= 0 ? node : nil
    }

    /// Re-creates the rx queues on `pools` (one per queue) on `node`, with the port stopped.
    func moveRx(to node: Int, pools: [OpaquePointer?], descriptors: Int) throws {
        var message = [CChar](repeating: 0, count: 256)
        let rc = pools.withUnsafeBufferPointer { pointer in
            cdpdk_port_move_rx(dpdkPort, UInt16(spec.queues), UInt16(descriptors), pointer.baseAddress,
                               Int32(node), &message, message.count)
        }
        guard rc == 0 else { throw SwitchError("port \(spec.name): \(cString(message))") }
    }

    func start() throws {
        var message = [CChar](repeating: 0, count: 256)
        guard cdpdk_port_start(dpdkPort, &message, message.count) == 0 else {
            throw SwitchError("port \(spec.name): \(cString(message))")
        }
    }

    var linkUp: Bool { cdpdk_port_link_up(dpdkPort) }

    /// DPDK's name for the port (what `dpdk-dumpcap -i` takes).
    var deviceName: String {
        var name = [CChar](repeating: 0, count: 128)
        return cdpdk_port_name(dpdkPort, &name, name.count) == 0 ? cString(name) : "\(dpdkPort)"
    }

    func stopAndClose() {
        _ = cdpdk_port_stop(dpdkPort)
        _ = cdpdk_port_close(dpdkPort)
    }
}

func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
