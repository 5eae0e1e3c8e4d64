import Traffic
import VMSwitchCore

/// The embedded default: an uplink and two VMs, each a pcap port that replays a sample of traffic
/// and records what the switch sends it. Needs no NIC and no VM.
enum DemoScenario {
    static let router = MACAddress(parsing: "02:00:00:00:00:fe")!
    static let vm1 = MACAddress(parsing: "52:54:00:00:00:01")!
    static let vm2 = MACAddress(parsing: "52:54:00:00:00:02")!
    static let unknownHost = MACAddress(parsing: "02:00:00:00:00:99")!
    static let portNames = ["uplink", "vm1", "vm2"]

    static func configuration(directory: String) -> String {
        func device(_ index: Int, _ name: String) -> String {
            "net_pcap\(index),rx_pcap=\(directory)/\(name)-in.pcap,tx_pcap=\(directory)/\(name)-out.pcap"
        }
        return """
        # vmswitch demo: an uplink and two VMs as pcap ports (no NIC, no VM needed).
        ports:
          - name: uplink
            role: physical
            device: "\(device(0, "uplink"))"
            mac: ["\(router)"]
          - name: vm1
            role: virtual
            device: "\(device(1, "vm1"))"
            mac: ["\(vm1)"]
          - name: vm2
            role: virtual
            device: "\(device(2, "vm2"))"
            mac: ["\(vm2)"]
        qos:
          rules:
            - name: voice               # SIP/RTP from vm1 is expedited
              match: {from: vm1, proto: udp, dport: 5060-5080}
              dscp: EF
            - name: video               # HTTPS towards vm2's subnet
              match: {dst: 10.0.2.0/24, proto: tcp, dport: 443}
              dscp: AF41
            - name: backup              # rsync from vm2 is scavenger class
              match: {from: vm2, proto: tcp, dport: 873}
              dscp: CS1
            - name: ipv6-ssh            # management from the outside
              match: {src: "2001:db8:ff::/48", proto: tcp, dport: 22}
              dscp: CS2
            - name: vm-default          # guests may not mark their own traffic
              match: {from: [vm1, vm2]}
              dscp: BE
          default: keep                 # the uplink's marks stand
        paths:
          - dscp: [CS1]                 # scavenger traffic always leaves by the uplink
            to: uplink
          - dscp: [CS7]                 # nobody may send network-control into the VMs
            drop: true
        """
    }

    /// The frames each port sends into the switch.
    static func traffic() -> [String: [[UInt8]]] {
        func v4(_ src: MACAddress, _ dst: MACAddress, _ from: String, _ to: String, proto: UInt8, dport: UInt16,
                dscp: UInt8, vlan: UInt16? = nil) -> [UInt8] {
            var frame = FrameBuilder(dstMAC: dst, srcMAC: src,
                                     network: .ipv4(src: ipv4Address(from), dst: ipv4Address(to)))
            frame.proto = proto
            frame.dport = dport
            frame.sport = 40000
            frame.dscp = dscp
            frame.payload = [UInt8](repeating: 0xAB, count: 32)
            if let vlan { frame.tags = [(tpid: EtherType.vlan, tci: vlan)] }
            return frame.build()
        }
        func v6(_ src: MACAddress, _ dst: MACAddress, _ from: String, _ to: String, proto: UInt8, dport: UInt16,
                dscp: UInt8) -> [UInt8] {
            var frame = FrameBuilder(dstMAC: dst, srcMAC: src,
                                     network: .ipv6(src: ipv6Address(from), dst: ipv6Address(to)))
            frame.proto = proto
            frame.dport = dport
            frame.dscp = dscp
            return frame.build()
        }
        let udp = IPProtocol.udp, tcp = IPProtocol.tcp
        var vm1Frames: [[UInt8]] = []
        for index in 0..<40 { vm1Frames.append(v4(vm1, vm2, "10.0.1.1", "10.0.2.1", proto: udp, dport: 5060, dscp: index % 2 == 0 ? 46 : 0)) }
        for _ in 0..<20 { vm1Frames.append(v4(vm1, vm2, "10.0.1.1", "10.0.2.1", proto: tcp, dport: 443, dscp: 0)) }
        for _ in 0..<10 { vm1Frames.append(v4(vm1, vm2, "10.0.1.1", "10.0.2.1", proto: tcp, dport: 80, dscp: 56)) }
        for _ in 0..<10 { vm1Frames.append(v6(vm1, vm2, "2001:db8:1::1", "2001:db8:2::1", proto: udp, dport: 9000, dscp: 46)) }
        var vm2Frames: [[UInt8]] = []
        for _ in 0..<30 { vm2Frames.append(v4(vm2, router, "10.0.2.1", "192.0.2.10", proto: tcp, dport: 873, dscp: 0)) }
        for _ in 0..<10 { vm2Frames.append(v4(vm2, vm1, "10.0.2.1", "10.0.1.1", proto: tcp, dport: 873, dscp: 0)) }
        for _ in 0..<5 {
            vm2Frames.append(FrameBuilder(dstMAC: .broadcast, srcMAC: vm2,
                                          network: .other(etherType: 0x0806, payload: [UInt8](repeating: 1, count: 28))).build())
        }
        var uplinkFrames: [[UInt8]] = []
        for _ in 0..<20 { uplinkFrames.append(v6(router, vm1, "2001:db8:ff::5", "2001:db8:1::1", proto: tcp, dport: 22, dscp: 0)) }
        for _ in 0..<20 { uplinkFrames.append(v4(router, vm2, "192.0.2.7", "10.0.2.1", proto: udp, dport: 7000, dscp: 18, vlan: 100)) }
        for _ in 0..<5 { uplinkFrames.append(v4(router, vm1, "192.0.2.7", "10.0.1.1", proto: udp, dport: 7000, dscp: 56)) }
        for _ in 0..<3 {
            var malformed = v4(router, vm1, "192.0.2.7", "10.0.1.1", proto: udp, dport: 7000, dscp: 0)
            malformed[14] = 0x43  // IHL 3: not a valid IPv4 header
            uplinkFrames.append(malformed)
        }
        for _ in 0..<2 { uplinkFrames.append(v4(router, unknownHost, "192.0.2.7", "10.0.9.9", proto: udp, dport: 53, dscp: 0)) }
        return ["uplink": uplinkFrames, "vm1": vm1Frames, "vm2": vm2Frames]
    }
}
