import Testing
import Traffic
import VMSwitchCore

/// Port security and learning limits in the per-frame decision.
@Suite struct PortGuardTests {
    static let vmMAC = MACAddress(parsing: "52:54:00:00:01:01")!
    static let otherMAC = MACAddress(parsing: "52:54:00:00:02:02")!
    static let strangerMAC = MACAddress(parsing: "52:54:00:00:03:03")!

    /// Port 0 is secured (its MAC, 10.0.0.5/32 and 2001:db8::5/128); port 1 has a static MAC and
    /// no port security, port 2 learns up to two MACs.
    func policy() throws -> CompiledPolicy {
        var secured = PortSpec(name: "vm", role: .virtual, backend: .device("net_null0"), macs: [PortGuardTests.vmMAC])
        secured.portSecurity = true
        secured.ips = [try IPPrefix(parsing: "10.0.0.5"), try IPPrefix(parsing: "2001:db8::5")]
        let other = PortSpec(name: "other", role: .virtual, backend: .device("net_null1"), macs: [PortGuardTests.otherMAC])
        var limited = PortSpec(name: "limited", role: .virtual, backend: .device("net_null2"))
        limited.macLimit = 2
        return try CompiledPolicy(SwitchPolicy(ports: [secured, other, limited]))
    }

    func verdict(_ frame: [UInt8], from port: Int, _ policy: CompiledPolicy, _ learned: LearnedTable) -> Verdict {
        decide(frame, ingress: port, policy: policy, learned: learned.table).0
    }

    @Test func theSecuredPortsOwnTrafficPasses() throws {
        let policy = try policy()
        let learned = LearnedTable()
        let vm = PortGuardTests.vmMAC, other = PortGuardTests.otherMAC
        let own: [[UInt8]] = [
            frame(vm, other, .ipv4(src: ipv4Address("10.0.0.5"), dst: ipv4Address("10.0.0.9"))),
            frame(vm, other, .ipv6(src: ipv6Address("2001:db8::5"), dst: ipv6Address("2001:db8::9"))),
            frame(vm, other, .ipv6(src: vm.linkLocalIPv6, dst: ipv6Address("fe80::9"))),
            frame(vm, .broadcast, .ipv4(src: 0, dst: 0xFFFF_FFFF)),  // DHCP discover
            FrameBuilder.arp(from: vm, ip: ipv4Address("10.0.0.5"), targetIP: ipv4Address("10.0.0.9")).build(),
            FrameBuilder.arp(from: vm, ip: 0, targetIP: ipv4Address("10.0.0.5")).build(),  // ARP probe
            FrameBuilder.neighborAdvertisement(from: vm, source: ipv6Address("2001:db8::5"), to: other,
                                               destination: ipv6Address("2001:db8::9"), target: ipv6Address("2001:db8::5")),
            FrameBuilder(dstMAC: other, srcMAC: vm, network: .other(etherType: 0x88CC, payload: [1, 2, 3])).build(),
        ]
        for (index, bytes) in own.enumerated() {
            let result = verdict(bytes, from: 0, policy, learned)
            #expect(result.dropReason == .none && result.egress != Verdict.drop, "frame \(index)")
        }
    }

    @Test func everySpoofIsDroppedAsSpoofed() throws {
        let policy = try policy()
        let learned = LearnedTable()
        let vm = PortGuardTests.vmMAC, other = PortGuardTests.otherMAC, stranger = PortGuardTests.strangerMAC
        let spoofs: [(String, [UInt8])] = [
            ("a stranger's MAC", frame(stranger, other, .ipv4(src: ipv4Address("10.0.0.5"), dst: ipv4Address("10.0.0.9")))),
            ("another port's MAC", frame(other, stranger, .ipv4(src: ipv4Address("10.0.0.5"), dst: ipv4Address("10.0.0.9")))),
            ("an IPv4 source", frame(vm, other, .ipv4(src: ipv4Address("10.0.0.6"), dst: ipv4Address("10.0.0.9")))),
            ("an IPv6 source", frame(vm, other, .ipv6(src: ipv6Address("2001:db8::6"), dst: ipv6Address("2001:db8::9")))),
            ("a link-local not its own", frame(vm, other, .ipv6(src: ipv6Address("fe80::1"), dst: ipv6Address("fe80::9")))),
            ("an ARP sender", FrameBuilder.arp(from: vm, ip: ipv4Address("10.0.0.9"), targetIP: ipv4Address("10.0.0.1")).build()),
            ("a cut-short ARP", Array(FrameBuilder.arp(from: vm, ip: ipv4Address("10.0.0.5"), targetIP: 1).build().prefix(30))),
            ("a Neighbor Advertisement target",
             FrameBuilder.neighborAdvertisement(from: vm, source: ipv6Address("2001:db8::5"), to: other,
                                                destination: ipv6Address("2001:db8::9"), target: ipv6Address("2001:db8::9"))),
            ("a group source MAC", frame(MACAddress(bits: 0x0100_5E00_0001), other, .ipv4(src: ipv4Address("10.0.0.5"), dst: 1))),
            ("an ARP sender MAC not the source", {
                var arp = FrameBuilder.arp(from: vm, ip: ipv4Address("10.0.0.5"), targetIP: ipv4Address("10.0.0.1")).build()
                arp[14 + 8 + 5] ^= 0x01  // the sender hardware address's last byte
                return arp
            }()),
            ("an IPv6 header chain too long to check", frame(vm, other, .ipv6(
                src: ipv6Address("2001:db8::5"), dst: ipv6Address("2001:db8::9"),
                extensions: Array(repeating: .options(IPProtocol.destinationOptions), count: 9)))),
        ]
        for (what, bytes) in spoofs {
            let result = verdict(bytes, from: 0, policy, learned)
            #expect(result.dropReason == .spoofed && result.egress == Verdict.drop, "\(what)")
        }
        #expect(learned.table.entries().isEmpty)
        // Without port security, another port's static MAC is still a spoof (dropped, not learned).
        let fromLimited = verdict(frame(vm, stranger, .ipv4(src: 1, dst: 2)), from: 2, policy, learned)
        #expect(fromLimited.dropReason == .spoofed && fromLimited.spoofedSource)
    }

    @Test func aPortAtItsLimitDropsNewSourcesAndKeepsItsKnownOnes() throws {
        let policy = try policy()
        let learned = LearnedTable()
        let sources = (1...4).map { MACAddress(bits: 0x0200_0000_0000 | UInt64($0)) }
        let results = sources.map { verdict(frame($0, PortGuardTests.otherMAC, .ipv4(src: 1, dst: 2)), from: 2, policy, learned) }
        #expect(results.map(\.dropReason) == [.none, .none, .macLimit, .macLimit])
        #expect(results[0].egress == 1 && results[1].egress == 1)
        #expect(verdict(frame(sources[0], PortGuardTests.otherMAC, .ipv4(src: 1, dst: 2)), from: 2, policy, learned).egress == 1)
        #expect(learned.table.learnedCount(port: 2) == 2)
        // The other ports still learn (virtual ports default to 64).
        #expect(verdict(frame(sources[3], .broadcast, .ipv4(src: 1, dst: 2)), from: 1, policy, learned).egress == Verdict.flood)
        #expect(learned.table.lookup(sources[3].bits) == 1)
    }

    func frame(_ source: MACAddress, _ destination: MACAddress, _ network: FrameBuilder.Network) -> [UInt8] {
        FrameBuilder(dstMAC: destination, srcMAC: source, network: network).build()
    }
}
