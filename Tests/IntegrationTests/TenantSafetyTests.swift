import Foundation
import Testing
import Traffic
import VMSwitchCore
import Dataplane

/// One VM must not disturb, impersonate or eavesdrop on another: learning limits against a
/// CAM-overflow flood, MAC aging, port security and flood limits, on the real binary with real
/// DPDK ports (stand-in VMs where the order of events matters).
@Suite(.serialized) struct TenantSafetyTests {
    static let attackerMAC = MACAddress(parsing: "52:54:00:00:00:a1")!
    static let senderMAC = MACAddress(parsing: "52:54:00:00:00:a2")!
    static let lateMAC = MACAddress(parsing: "52:54:00:00:00:a3")!
    static let vm3MAC = MACAddress(parsing: "52:54:00:00:00:03")!

    struct MACEntry: Decodable {
        var mac: String
        var port: String
        var age: Double?
        var `static`: Bool
    }

    func macs(_ harness: Harness) throws -> [MACEntry] {
        let result = try Harness.run(Harness.binary, ["macs", "--json", "--file-prefix", harness.prefix])
        #expect(result.status == 0, "vmswitch macs: \(result.error)")
        return try JSONDecoder().decode([MACEntry].self, from: Data(result.output.utf8))
    }

    /// Waits until `port`'s rx counter has stopped moving (a stand-in VM has sent what it could).
    func waitForQuiet(_ harness: Harness, port: String, atLeast: UInt64) -> Stats? {
        var last: UInt64 = 0
        var stableSince = Date()
        return harness.waitForStats(timeout: 120, "\(port) rx settled at or above \(atLeast)") { stats in
            let rx = stats.ports[port]?.rx ?? 0
            if rx != last {
                last = rx
                stableSince = Date()
            }
            return rx >= atLeast && Date().timeIntervalSince(stableSince) > 1.5
        }
    }

    /// A VM sends 300,000 frames from random source MACs through a 1024-entry table. Its port's
    /// learning limit (64, the default for a VM) holds it; a VM that connects afterwards is
    /// learned, and unicast to it from a third VM reaches it alone. Without the limit
    /// (`mac-limit: none`) the same run shows the attack: the table fills and the attacker
    /// receives the unicast.
    @Test(arguments: [true, false])
    func aCAMFloodFillsNeitherTheTableNorAnotherVMsTraffic(limited: Bool) throws {
        let harness = try Harness(limited ? "camflood" : "camopen")
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        var random = SplitMix(seed: 0xCA11)
        let flood = (0..<300_000).map { _ in
            frame4(MACAddress(bits: (random.next() & 0xFEFF_FFFF_FFFF) | 0x0200_0000_0000), MACAddress(bits: 0x02FF_0000_0001),
                   dport: 9).build()
        }
        try PcapFile.write(flood, to: harness.path("attack.pcap"))
        let hello = FrameBuilder.arp(from: TenantSafetyTests.lateMAC, ip: ipv4Address("10.0.0.3"), targetIP: ipv4Address("10.0.0.1"))
        try PcapFile.write([hello.build()], to: harness.path("late-send.pcap"))
        let unicast = (0..<200).map { index in
            frame4(TenantSafetyTests.senderMAC, TenantSafetyTests.lateMAC, dport: UInt16(1000 + index)).build()
        }
        try PcapFile.write(unicast, to: harness.path("sender-send.pcap"))
        let vswitch = try harness.backgroundSwitch(config: """
            ports:
              - name: uplink
                device: "\(harness.pcapDevice(0, "uplink"))"
              - name: attacker
                vhost: \(harness.path("attacker.sock"))
                mac-limit: \(limited ? "64" : "none")
              - name: sender
                vhost: \(harness.path("sender.sock"))
              - name: late
                vhost: \(harness.path("late.sock"))
            dataplane: {mac-table-size: 1024}
            """)
        #expect(vswitch.waitFor("running"))
        let attacker = try harness.standInVM("attacker", socket: harness.path("attacker.sock"), rxPcap: harness.path("attack.pcap"),
                                             txPcap: harness.path("attacker-got.pcap"), waitForRing: true)
        let attacked = waitForQuiet(harness, port: "attacker", atLeast: UInt64(flood.count))
        let late = try harness.standInVM("late", socket: harness.path("late.sock"), rxPcap: harness.path("late-send.pcap"),
                                         txPcap: harness.path("late-got.pcap"))
        harness.waitForStats("the late VM heard", { $0.ports["late"]?.rx == 1 })
        let table = try macs(harness)
        #expect(table.contains { $0.mac == TenantSafetyTests.lateMAC.description && $0.port == "late" && !$0.static } == limited)
        let sender = try harness.standInVM("sender", socket: harness.path("sender.sock"), rxPcap: harness.path("sender-send.pcap"),
                                           txPcap: harness.path("sender-got.pcap"))
        harness.waitForStats("the unicast delivered", { ($0.ports["late"]?.tx ?? 0) >= 200 && $0.ports["sender"]?.rx == 200 })
        sender.interrupt()
        late.interrupt()
        attacker.interrupt()
        #expect(vswitch.interrupt() == 0)
        let stats = try harness.stats()
        let received = attacked?.ports["attacker"]?.rx ?? 0
        print("attacker: \(received) frames received, drops \(stats.ports["attacker"]?.drops ?? [:]), "
              + "macs \(stats.ports["attacker"]?.macs ?? -1); table_full \(stats.mac.table_full)")
        #expect(received == UInt64(flood.count))
        let toLate = try harness.pcap("late-got.pcap").filter { Array($0.prefix(6)) == TenantSafetyTests.lateMAC.octets }
        #expect(toLate == unicast)
        let leaked = try harness.pcap("attacker-got.pcap").filter { Array($0.prefix(6)) == TenantSafetyTests.lateMAC.octets }
        if limited {
            #expect(stats.ports["attacker"]?.macs == 64)
            #expect(stats.ports["attacker"]?.drops["mac_limit"] == received - 64)
            #expect(stats.mac.table_full == 0)
            #expect(leaked.isEmpty, "the attacker received \(leaked.count) frames meant for the late VM")
        } else {
            #expect(stats.mac.table_full > 0 && stats.ports["attacker"]?.drops["mac_limit"] == 0)
            #expect(leaked == unicast, "without a limit the attack should succeed")
        }
        #expect(harness.leftDPDKFiles.isEmpty)
    }

    /// With `mac-aging: 2` (put in force by a live reload), a MAC silent for 3 s is gone, frames
    /// to it flood again, and it is learned again when it speaks (and then no longer flooded).
    @Test func aSilentMACAgesOutFloodsAndReturns() throws {
        let harness = try Harness("aging")
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        func config(aging: Int) -> String {
            """
            ports:
              - name: uplink
                device: "\(harness.pcapDevice(0, "uplink"))"
              - name: vm1
                vhost: \(harness.path("vm1.sock"))
              - name: vm2
                vhost: \(harness.path("vm2.sock"))
                mac: ["\(vm2MAC)"]
            dataplane: {mac-aging: \(aging)}
            """
        }
        func reload(aging: Int) throws {
            _ = try harness.write(config: config(aging: aging))
            let result = try Harness.run(Harness.binary, ["reload", "--file-prefix", harness.prefix])
            #expect(result.status == 0 && result.output.contains("reloaded"), "\(result.output)")
        }
        let hello = FrameBuilder.arp(from: vm1MAC, ip: ipv4Address("10.0.0.1"), targetIP: ipv4Address("10.0.0.2")).build()
        try PcapFile.write([hello], to: harness.path("vm1-send.pcap"))
        let toVM1 = frame4(vm2MAC, vm1MAC, dport: 7).build()
        try PcapFile.write([toVM1], to: harness.path("vm2-send.pcap"))
        let vswitch = try harness.backgroundSwitch(config: config(aging: 0))
        #expect(vswitch.waitFor("running"))
        try reload(aging: 2)

        // VM1 speaks once and is learned, then stays silent until it has aged out.
        var vm1 = try harness.standInVM("vm1", socket: harness.path("vm1.sock"), rxPcap: harness.path("vm1-send.pcap"))
        harness.waitForStats("vm1 heard", { $0.ports["vm1"]?.rx == 1 })
        let heard = Date()
        #expect(try macs(harness).contains { $0.mac == vm1MAC.description && $0.port == "vm1" && !$0.static })
        let deadline = Date().addingTimeInterval(10)
        while try macs(harness).contains(where: { $0.mac == vm1MAC.description }) && Date() < deadline { usleep(100_000) }
        let gone = Date().timeIntervalSince(heard)
        print("vm1's MAC aged out \(gone) s after its frame was counted (mac-aging: 2)")
        #expect(gone >= 1.5 && gone <= 3.0)
        harness.waitForStats("mac.aged counted", { $0.mac.aged >= 1 })

        // Unicast to it floods again: the uplink gets a copy.
        var sender = try harness.standInVM("vm2", socket: harness.path("vm2.sock"), rxPcap: harness.path("vm2-send.pcap"))
        harness.waitForStats("unicast to an aged MAC flooded", { $0.ports["uplink"]?.tx == 2 && $0.ports["vm1"]?.tx == 1 })
        sender.interrupt()

        // VM1 speaks again and is learned again; with aging back at 300 s, unicast to it is not flooded.
        vm1.interrupt()
        vm1 = try harness.standInVM("vm1-again", socket: harness.path("vm1.sock"), rxPcap: harness.path("vm1-send.pcap"))
        harness.waitForStats("vm1 heard again", { $0.ports["vm1"]?.rx == 2 })
        try reload(aging: 300)
        #expect(try macs(harness).contains { $0.mac == vm1MAC.description && $0.port == "vm1" })
        sender = try harness.standInVM("vm2-again", socket: harness.path("vm2.sock"), rxPcap: harness.path("vm2-send.pcap"))
        harness.waitForStats("unicast to vm1 again", { $0.ports["vm1"]?.tx == 2 })
        sender.interrupt()
        vm1.interrupt()
        #expect(vswitch.interrupt() == 0)
        #expect(try harness.pcap("uplink-out.pcap") == [hello, toVM1, hello])
        #expect(harness.leftDPDKFiles.isEmpty)
    }

    /// Port security on VM1: spoofed MAC, IPv4/IPv6 source, ARP sender and a forged Neighbor
    /// Advertisement are dropped and counted; its own traffic passes byte for byte. VM2 (no port
    /// security) sending from VM1's MAC is a spoof too.
    @Test func portSecurityDropsEverySpoofAndPassesTheVMsOwnTraffic() throws {
        let harness = try Harness("portsec")
        let own: [[UInt8]] = [
            frame4(vm1MAC, vm2MAC, from: "10.0.1.1", to: "10.0.2.1").build(),
            frame6(vm1MAC, vm2MAC, from: "2001:db8:1::1", to: "2001:db8:2::1").build(),
            frame6(vm1MAC, vm2MAC, from: "fe80::5054:ff:fe00:1", to: "fe80::2").build(),
            FrameBuilder.arp(from: vm1MAC, ip: ipv4Address("10.0.1.1"), to: vm2MAC, targetIP: ipv4Address("10.0.2.1"), reply: true).build(),
            FrameBuilder.neighborAdvertisement(from: vm1MAC, source: ipv6Address("2001:db8:1::1"), to: vm2MAC,
                                               destination: ipv6Address("2001:db8:2::1"), target: ipv6Address("2001:db8:1::1")),
        ]
        let spoofs: [[UInt8]] = [
            frame4(MACAddress(parsing: "52:54:00:00:00:99")!, vm2MAC, from: "10.0.1.1").build(),
            frame4(vm1MAC, vm2MAC, from: "10.0.1.2").build(),
            frame6(vm1MAC, vm2MAC, from: "2001:db8:1::2").build(),
            FrameBuilder.arp(from: vm1MAC, ip: ipv4Address("10.0.2.1"), to: vm2MAC, targetIP: ipv4Address("10.0.2.1"), reply: true).build(),
            FrameBuilder.neighborAdvertisement(from: vm1MAC, source: ipv6Address("2001:db8:1::1"), to: vm2MAC,
                                               destination: ipv6Address("2001:db8:2::1"), target: ipv6Address("2001:db8:2::1")),
        ]
        var vm1Input: [[UInt8]] = []
        for (good, bad) in zip(own, spoofs) { vm1Input += [good, bad] }
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        try PcapFile.write(vm1Input, to: harness.path("vm1-in.pcap"))
        try PcapFile.write([frame4(vm1MAC, routerMAC, from: "10.0.2.1").build()], to: harness.path("vm2-in.pcap"))
        let (_, stats) = try harness.runSwitch(config: """
            ports:
              - name: uplink
                device: "\(harness.pcapDevice(0, "uplink"))"
                mac: ["\(routerMAC)"]
              - name: vm1
                role: virtual
                device: "\(harness.pcapDevice(1, "vm1"))"
                mac: ["\(vm1MAC)"]
                port-security: true
                ips: [10.0.1.1, "2001:db8:1::1"]
              - name: vm2
                role: virtual
                device: "\(harness.pcapDevice(2, "vm2"))"
                mac: ["\(vm2MAC)"]
            """)
        #expect(try harness.pcap("vm2-out.pcap") == own)
        #expect(try harness.pcap("uplink-out.pcap").isEmpty)
        #expect(stats.ports["vm1"]?.drops["spoofed"] == UInt64(spoofs.count))
        #expect(stats.ports["vm1"]?.dropped == UInt64(spoofs.count))
        #expect(stats.ports["vm2"]?.drops["spoofed"] == 1)
        #expect(stats.mac.spoofed_source == 1)
    }

    /// VM1 broadcasts as fast as it can; its flood limit holds it to 2000 frames a second, while
    /// 1000 unicast frames from VM2 to VM3 in the same run all arrive.
    @Test func aFloodLimitHoldsABroadcasterAndSparesUnicast() throws {
        let harness = try Harness("floodlimit")
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        try PcapFile.write([FrameBuilder.arp(from: vm1MAC, ip: ipv4Address("10.0.0.1"), targetIP: ipv4Address("10.0.0.9")).build()],
                           to: harness.path("storm.pcap"))
        let unicast = (0..<1000).map { frame4(vm2MAC, TenantSafetyTests.vm3MAC, dport: UInt16(2000 + $0)).build() }
        try PcapFile.write(unicast, to: harness.path("vm2-in.pcap"))
        try PcapFile.write([], to: harness.path("vm3-in.pcap"))
        let limit = 2000
        let file = try harness.write(config: """
            ports:
              - name: uplink
                device: "\(harness.pcapDevice(0, "uplink"))"
              - name: vm1
                role: virtual
                device: "net_pcap1,rx_pcap=\(harness.path("storm.pcap")),infinite_rx=1,tx_pcap=/dev/null"
                mac: ["\(vm1MAC)"]
                flood-limit: \(limit)
              - name: vm2
                role: virtual
                device: "\(harness.pcapDevice(2, "vm2"))"
                mac: ["\(vm2MAC)"]
              - name: vm3
                role: virtual
                device: "\(harness.pcapDevice(3, "vm3"))"
                mac: ["\(TenantSafetyTests.vm3MAC)"]
            """)
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--duration", "5",
                                                      "--stats-json", harness.path("stats.json"), "--"] + harness.eal)
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let stats = try harness.stats()
        let storm = try #require(stats.ports["vm1"])
        let flooded = storm.rx - (storm.drops["flood_limit"] ?? 0)
        let elapsed = stats.seconds
        let expected = Double(limit) * elapsed + 100  // the bucket starts full: 100 frames (50 ms at 2000/s)
        print("flood limit \(limit)/s: \(storm.rx) broadcasts received, \(flooded) flooded in \(elapsed) s "
              + "(\(Double(flooded) / elapsed) /s), \(storm.drops["flood_limit"] ?? 0) dropped as flood_limit")
        #expect(storm.rx > UInt64(expected * 5), "the broadcaster did not outrun the limit")
        #expect(abs(Double(flooded) - expected) <= expected * 0.1)
        #expect(storm.dropped == storm.drops["flood_limit"])
        let toVM3 = try harness.pcap("vm3-out.pcap").filter { Array($0.prefix(6)) == TenantSafetyTests.vm3MAC.octets }
        #expect(toVM3 == unicast)
        #expect(stats.ports["uplink"]?.tx == flooded)
    }
}
