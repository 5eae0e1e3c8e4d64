import Testing
import Traffic
import VMSwitchCore

@Suite struct FrameParserTests {
    @Test func ipv4UDP() {
        let parsed = parse(v4Frame(dscp: 46, ecn: 1, sport: 4000, dport: 5060).build())
        #expect(parsed.kind == .ipv4)
        #expect(parsed.l3 == 14)
        #expect(parsed.dscp == 46)
        #expect(parsed.proto == UInt16(IPProtocol.udp))
        #expect(parsed.sport == 4000 && parsed.dport == 5060)
        #expect(parsed.vlan == ParsedFrame.untagged)
    }

    @Test func vlanAndQinQAreSkippedAndOuterIDKept() {
        let single = parse(v4Frame(tags: [(EtherType.vlan, 0x2064)]).build())
        #expect(single.kind == .ipv4 && single.l3 == 18 && single.vlan == 100)
        let qinq = parse(v4Frame(tags: [(EtherType.qinq, 0x00C8), (EtherType.vlan, 0x0064)]).build())
        #expect(qinq.kind == .ipv4 && qinq.l3 == 22 && qinq.vlan == 200)
    }

    @Test func thirdTagIsNotIP() {
        let frame = v4Frame(tags: [(EtherType.qinq, 1), (EtherType.vlan, 2), (EtherType.vlan, 3)]).build()
        #expect(parse(frame).kind == .nonIP)
    }

    @Test func otherEtherTypesAreNotIP() {
        let arp = FrameBuilder(dstMAC: .broadcast, srcMAC: macA,
                               network: .other(etherType: 0x0806, payload: [UInt8](repeating: 1, count: 28)))
        #expect(parse(arp.build()).kind == .nonIP)
    }

    @Test func ipv4OptionsMoveThePorts() {
        let parsed = parse(v4Frame(sport: 7, dport: 9, options: [1, 1, 1, 1, 1, 1, 1, 0]).build())
        #expect(parsed.kind == .ipv4 && parsed.sport == 7 && parsed.dport == 9)
    }

    @Test func ipv4HeaderChecksAreMalformed() {
        let good = v4Frame().build()
        var badVersion = good
        badVersion[14] = 0x55
        #expect(parse(badVersion).kind == .malformed)
        var shortIHL = good
        shortIHL[14] = 0x44
        #expect(parse(shortIHL).kind == .malformed)
        var totalBelowHeader = good
        totalBelowHeader[16] = 0
        totalBelowHeader[17] = 19
        #expect(parse(totalBelowHeader).kind == .malformed)
        var optionsPastEnd = Array(good[0..<34])
        optionsPastEnd[14] = 0x46  // IHL 6 needs 24 bytes, 20 present
        #expect(parse(optionsPastEnd).kind == .malformed)
    }

    @Test func everyTruncationIsSafeAndClassified() {
        let v4 = v4Frame(tags: [(EtherType.vlan, 5)]).build()
        for length in 0..<v4.count {
            let parsed = parse(Array(v4[0..<length]))
            if length < 14 || (length >= 18 && length < 18 + 20) {
                #expect(parsed.kind == .malformed, "length \(length)")
            } else if length < 18 {
                #expect(parsed.kind == .nonIP, "length \(length)")  // the tag itself is cut
            } else {
                #expect(parsed.kind == .ipv4, "length \(length)")
            }
        }
        let v6 = v6Frame(extensions: [.options(IPProtocol.hopByHop)]).build()
        for length in 14..<v6.count {
            #expect(parse(Array(v6[0..<length])).kind == (length < 54 ? .malformed : .ipv6))
        }
    }

    @Test func portsNeedTheWholeFourBytesWithinTheIPPayload() {
        var frame = v4Frame(sport: 1, dport: 2).build()
        #expect(parse(Array(frame[0..<37])).sport == ParsedFrame.unknownPort)
        #expect(parse(Array(frame[0..<38])).dport == 2)
        frame[16] = 0  // total length 22: the ports lie beyond the IP payload (padding)
        frame[17] = 22
        #expect(parse(frame).sport == ParsedFrame.unknownPort)
        #expect(parse(frame).proto == UInt16(IPProtocol.udp))
    }

    @Test func ipv4LaterFragmentsHaveNoPorts() {
        var builder = v4Frame(sport: 1, dport: 2)
        builder.network = .ipv4(src: 1, dst: 2, fragmentOffset: 10)
        let later = parse(builder.build())
        #expect(later.kind == .ipv4 && later.proto == UInt16(IPProtocol.udp))
        #expect(later.sport == ParsedFrame.unknownPort && later.dport == ParsedFrame.unknownPort)
        builder.network = .ipv4(src: 1, dst: 2, fragmentOffset: 0, moreFragments: true)
        #expect(parse(builder.build()).dport == 2)
    }

    @Test func ipv6TrafficClassAndFlowLabel() {
        let parsed = parse(v6Frame(dscp: 34, ecn: 3, flowLabel: 0xABCDE).build())
        #expect(parsed.kind == .ipv6 && parsed.dscp == 34 && parsed.l3 == 14)
        #expect(parsed.sport == 1234 && parsed.dport == 5060)
    }

    @Test func ipv6ExtensionHeadersAreWalked() {
        let chain: [FrameBuilder.IPv6Extension] = [
            .options(IPProtocol.hopByHop), .options(IPProtocol.routing, units: 2),
            .fragment(offset: 0, more: true), .options(IPProtocol.destinationOptions),
        ]
        let parsed = parse(v6Frame(proto: IPProtocol.tcp, sport: 80, dport: 443, extensions: chain).build())
        #expect(parsed.proto == UInt16(IPProtocol.tcp) && parsed.sport == 80 && parsed.dport == 443)
    }

    @Test func ipv6LaterFragmentKnowsProtocolNotPorts() {
        let parsed = parse(v6Frame(extensions: [.fragment(offset: 100)]).build())
        #expect(parsed.proto == UInt16(IPProtocol.udp))
        #expect(parsed.sport == ParsedFrame.unknownPort)
    }

    @Test func ipv6ChainLimitAndTruncation() {
        let eight = [FrameBuilder.IPv6Extension](repeating: .options(IPProtocol.destinationOptions), count: 8)
        #expect(parse(v6Frame(extensions: eight).build()).proto == UInt16(IPProtocol.udp))
        let nine = eight + [.options(IPProtocol.destinationOptions)]
        let deep = parse(v6Frame(extensions: nine).build())
        #expect(deep.kind == .ipv6 && deep.proto == ParsedFrame.unknown && deep.sport == ParsedFrame.unknownPort)
        let frame = v6Frame(extensions: [.options(IPProtocol.hopByHop, units: 4)]).build()
        let cut = parse(Array(frame[0..<(54 + 16)]))  // the 40-byte option header is cut
        #expect(cut.kind == .ipv6 && cut.proto == ParsedFrame.unknown)
    }

    @Test func ipv6BadVersionIsMalformed() {
        var frame = v6Frame().build()
        frame[14] = 0x40
        #expect(parse(frame).kind == .malformed)
    }

    @Test func ipv4ICMPHasNoPorts() {
        let parsed = parse(v4Frame(proto: IPProtocol.icmp).build())
        #expect(parsed.proto == 1 && parsed.sport == ParsedFrame.unknownPort)
    }
}
