import Traffic
import VMSwitchCore

/// The bench's traffic: frames that each match one of the bench policy's rules, carrying the DSCP
/// that rule assigns (verified) or another one (rewritten), in the proportion a case asks for.
enum BenchTraffic {
    static let source = MACAddress(parsing: "02:00:00:00:00:01")!
    static let destination = MACAddress(parsing: "02:00:00:00:00:02")!

    /// Frame lengths without FCS: 60 (64 on the wire), or the IMIX 7:4:1 of 60, 590 and 1514.
    enum Sizes { case min64, imix }

    /// MAC pairs for `manyFlows`: `macs` sources (learned on the input port) and as many
    /// destinations (static on the output port), `macs` at most 65,536.
    static func manySource(_ index: Int, macs: Int = 256) -> MACAddress {
        MACAddress(bits: 0x0200_0001_0000 | UInt64(index % macs))
    }
    static func manyDestination(_ index: Int, macs: Int = 256) -> MACAddress {
        MACAddress(bits: 0x0200_0002_0000 | UInt64(index % macs))
    }

    /// `count` frames, each its own 5-tuple (`count` up to 655,360), between `macs` source and
    /// `macs` destination MACs: a pass over them sends every flow once. The source changes every
    /// frame; with 256 MACs the destination every 256 frames, with more every frame (in a stride
    /// that visits them all).
    static func manyFlows(count: Int, macs: Int = 256, policy: SwitchPolicy) throws -> [[UInt8]] {
        try frames(count: count, rewriteShare: 0.5, sizes: .min64, policy: policy, manyFlows: true, macs: macs)
    }

    static func frames(count: Int, rewriteShare: Double, sizes: Sizes, policy: SwitchPolicy,
                       manyFlows: Bool = false, macs: Int = 256) throws -> [[UInt8]] {
        let compiled = try CompiledPolicy(policy)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: MACTable.byteCount(capacity: 1024), alignment: 64)
        defer { memory.deallocate() }
        let learned = MACTable(memory: memory, capacity: 1024)
        var random = SplitMix(seed: 42)
        var frames: [[UInt8]] = []
        for index in 0..<count {
            var builder = template(index, &random, flow: manyFlows ? index / 10 : nil)
            if manyFlows {
                builder.srcMAC = manySource(index, macs: macs)
                builder.dstMAC = manyDestination(macs == 256 ? index / 256 : index &* 7919, macs: macs)
            }
            switch sizes {
            case .min64: builder.minimumLength = 60
            case .imix:
                let target = [60, 60, 60, 60, 60, 60, 60, 590, 590, 590, 590, 1514][index % 12]
                let bare = builder.build().count
                if target > bare { builder.payload += [UInt8](repeating: 0x5A, count: target - bare) }
            }
            // What the policy assigns this frame, from vmswitch's own decision on a copy.
            var probe = builder.build()
            let verdict = probe.withUnsafeMutableBytes {
                var memo = MACMemo()
                return decideFrame($0.baseAddress!, length: $0.count, ingress: 0, policy: compiled.image, learned: learned,
                                   memo: &memo)
            }
            let assigned = verdict.outcome == .rewritten ? verdict.dscpOut : verdict.dscpIn
            let rewrite = Double(index % 100) < rewriteShare * 100
            builder.dscp = rewrite ? (assigned + 9) % 64 : assigned
            builder.ecn = UInt8(index % 4)
            frames.append(builder.build())
        }
        return frames
    }

    /// A frame aimed at one of the eight bench rules (see BenchPolicy), mixing IPv4, IPv6, VLAN
    /// and QinQ tags, UDP, TCP and ICMP.
    /// `flow` (below 65,536) makes the frame's addresses and source port its own: frames with
    /// distinct (`index` % 10, `flow`) are distinct 5-tuples.
    static func template(_ index: Int, _ random: inout SplitMix, flow: Int? = nil) -> FrameBuilder {
        var host = UInt32(random.next() % 250 + 2)
        var port = UInt16(random.next() % 20000 + 1024)
        if let flow {
            host = UInt32(flow & 0xFFFF)
            port = UInt16(1024 + flow % 60000)
        }
        func v4(_ src: String, _ dst: String, proto: UInt8, dport: UInt16) -> FrameBuilder {
            var builder = FrameBuilder(dstMAC: destination, srcMAC: source,
                                       network: .ipv4(src: ipv4Address(src) | host, dst: ipv4Address(dst) | host))
            builder.proto = proto
            builder.sport = port
            builder.dport = dport
            return builder
        }
        func v6(_ src: String, _ dst: String, proto: UInt8, dport: UInt16) -> FrameBuilder {
            var builder = FrameBuilder(dstMAC: destination, srcMAC: source,
                                       network: .ipv6(src: ipv6Address(src) | UInt128(host), dst: ipv6Address(dst) | UInt128(host)))
            builder.proto = proto
            builder.sport = port
            builder.dport = dport
            return builder
        }
        var builder: FrameBuilder
        switch index % 10 {
        case 0, 1: builder = v4("10.0.1.0", "10.0.2.0", proto: IPProtocol.udp, dport: 5060 + UInt16(index % 20))
        case 2: builder = v4("10.0.3.0", "10.1.4.0", proto: IPProtocol.tcp, dport: 443)
        case 3: builder = v4("192.168.7.0", "10.0.9.0", proto: IPProtocol.tcp, dport: 22)
        case 4: builder = v4("10.0.5.0", "10.0.6.0", proto: IPProtocol.udp, dport: 53)
        case 5: builder = v4("10.0.7.0", "10.0.8.0", proto: IPProtocol.icmp, dport: 0)
        case 6: builder = v6("2001:db8:1::", "2001:db8:9::", proto: IPProtocol.udp, dport: 5070)
        case 7: builder = v6("2001:db8:5::", "2001:db8:2::", proto: IPProtocol.tcp, dport: 8080)
        case 8: builder = v6("2001:db8:5::", "2001:db8:2::", proto: IPProtocol.udp, dport: 9000)
        default:
            builder = v4("10.0.11.0", "10.0.12.0", proto: IPProtocol.udp, dport: 7000)
            builder.tags = [(tpid: EtherType.vlan, tci: 100)]
        }
        if index % 4 == 1 && builder.tags.isEmpty { builder.tags = [(tpid: EtherType.vlan, tci: UInt16(200 + index % 5))] }
        if index % 16 == 3 { builder.tags = [(tpid: EtherType.qinq, tci: 300), (tpid: EtherType.vlan, tci: 100)] }
        return builder
    }
}
