import CDPDK
import VMSwitchCore

/// The rules a physical port's NIC applies itself (rte_flow, through the shim).
enum HardwareOffload {
    /// Installs, on every physical port with `offload: auto`, the prefix of the rules its NIC can
    /// apply itself (`OffloadPlan`), stopping at the first flow the driver refuses. The software
    /// path still runs every rule for every port, so what the NIC does not do, vmswitch does.
    /// Returns, per such port, each rule's status ("hardware", "software: why").
    static func install(_ policy: SwitchPolicy, on ports: [SwitchPort], log: (String) -> Void) -> [String: [String]] {
        var offloadStatus: [String: [String]] = [:]
        for port in ports where port.spec.role == .physical && port.spec.offload {
            _ = cdpdk_flow_flush(port.dpdkPort)
            let plan = OffloadPlan(policy: policy, port: port.index)
            var status = plan.status.map { state -> String in
                switch state {
                case .offloadable: return "hardware"
                case .software(let why): return "software: \(why)"
                case .notApplicable: return "not for this port"
                }
            }
            var refused: String?
            for flow in plan.flows {
                if let reason = refused {
                    if status[flow.rule] == "hardware" { status[flow.rule] = "software: \(reason)" }
                    continue
                }
                var spec = cFlow(flow)
                var message = [CChar](repeating: 0, count: 256)
                if cdpdk_flow_install(port.dpdkPort, &spec, UInt16(port.spec.queues), &message, message.count) != 0 {
                    refused = "the driver refused: \(cString(message))"
                    status[flow.rule] = "software: \(refused!)"
                    log("port \(port.spec.name): rules from \(policy.rules[flow.rule].name) on stay in software "
                        + "(\(cString(message)))")
                }
            }
            offloadStatus[port.spec.name] = status
        }
        return offloadStatus
    }

    /// Takes every installed rule off the NICs again.
    static func remove(_ ports: [SwitchPort]) {
        for port in ports where port.spec.role == .physical && port.spec.offload { _ = cdpdk_flow_flush(port.dpdkPort) }
    }

    static func cFlow(_ flow: OffloadPlan.Flow) -> cdpdk_flow {
        var spec = cdpdk_flow()
        spec.ipv6 = flow.ipv6 ? 1 : 0
        spec.vlan = flow.vlan.map(Int32.init) ?? -1
        spec.proto = flow.proto.map(Int32.init) ?? -1
        func bytes(_ value: UInt128) -> (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) {
            let b = (0..<16).map { UInt8(truncatingIfNeeded: value >> (120 - 8 * $0)) }
            return (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
        }
        if let source = flow.source {
            spec.has_src = 1
            spec.src = bytes(source.address)
            spec.src_mask = bytes(source.mask)
        }
        if let destination = flow.destination {
            spec.has_dst = 1
            spec.dst = bytes(destination.address)
            spec.dst_mask = bytes(destination.mask)
        }
        if let port = flow.sourcePort {
            spec.has_sport = 1
            spec.sport = port.value
            spec.sport_mask = port.mask
        }
        if let port = flow.destinationPort {
            spec.has_dport = 1
            spec.dport = port.value
            spec.dport_mask = port.mask
        }
        spec.dscp = flow.dscp
        spec.priority = UInt32(flow.rule)
        return spec
    }
}
