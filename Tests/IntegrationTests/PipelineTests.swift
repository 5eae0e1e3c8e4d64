import Foundation
import Testing
import Traffic
import VMSwitchCore

/// The whole pipeline on real DPDK ports (net_pcap): each test writes the frames every port
/// sends, runs the `vmswitch` binary, and checks every frame each port sent back out.
@Suite(.serialized) struct PipelineTests {
    func ports(_ harness: Harness, uplinkExtraTx: [String] = []) -> String {
        """
        ports:
          - name: uplink
            role: physical
            device: "\(harness.pcapDevice(0, "uplink", extraTx: uplinkExtraTx))"
            mac: ["\(routerMAC)"]
          - name: vm1
            role: virtual
            device: "\(harness.pcapDevice(1, "vm1"))"
            mac: ["\(vm1MAC)"]
          - name: vm2
            role: virtual
            device: "\(harness.pcapDevice(2, "vm2"))"
            mac: ["\(vm2MAC)"]
        """
    }

    func inputs(_ harness: Harness, uplink: [[UInt8]] = [], vm1: [[UInt8]] = [], vm2: [[UInt8]] = []) throws {
        try PcapFile.write(uplink, to: harness.path("uplink-in.pcap"))
        try PcapFile.write(vm1, to: harness.path("vm1-in.pcap"))
        try PcapFile.write(vm2, to: harness.path("vm2-in.pcap"))
    }

    @Test func rewriteAndVerifyAreByteExact() throws {
        let harness = try Harness("rewrite")
        let voice = frame4(vm1MAC, vm2MAC, dport: 5060, dscp: 0, ecn: 1)
        let voiceMarked = frame4(vm1MAC, vm2MAC, dport: 5070, dscp: 46, ecn: 2)
        let ssh6 = frame6(vm1MAC, vm2MAC, dscp: 10, ecn: 3)
        let other = frame4(vm1MAC, vm2MAC, dport: 9999, dscp: 12)
        let tagged = frame4(vm1MAC, vm2MAC, dport: 5080, dscp: 8, vlan: 100)
        let jumbo = frame4(vm1MAC, vm2MAC, dport: 5060, dscp: 0, payload: 8958)
        let nonIP = FrameBuilder(dstMAC: vm2MAC, srcMAC: vm1MAC,
                                 network: .other(etherType: 0x88B5, payload: [UInt8](repeating: 0x45, count: 46)))
        try inputs(harness, vm1: [voice, voiceMarked, ssh6, other, tagged, jumbo, nonIP].map { $0.build() })
        let (_, stats) = try harness.runSwitch(config: ports(harness) + """

        qos:
          rules:
            - name: voice
              match: {from: vm1, proto: udp, dport: 5060-5080}
              dscp: EF
            - name: ssh6
              match: {src: "2001:db8:1::/48", proto: tcp, dport: 22}
              dscp: CS2
          default: keep
        """)
        let expected = [voice.with(dscp: 46), voiceMarked, ssh6.with(dscp: 16), other, tagged.with(dscp: 46),
                        jumbo.with(dscp: 46), nonIP].map { $0.build() }
        let received = try harness.pcap("vm2-out.pcap")
        #expect(received.count == expected.count)
        for (index, (got, want)) in zip(received, expected).enumerated() {
            #expect(got == want, "frame \(index) differs")
        }
        #expect(received.filter { $0.count == 9000 }.count == 1)  // five mbuf segments each way
        #expect(try harness.pcap("uplink-out.pcap").isEmpty)
        #expect(try harness.pcap("vm1-out.pcap").isEmpty)
        #expect(stats.qos.rewritten == 4 && stats.qos.verified == 2 && stats.qos.non_ip == 1)
        #expect(stats.rules["voice"]?.matched == 4 && stats.rules["voice"]?.verified == 1)
        #expect(stats.rules["ssh6"]?.rewritten == 1 && stats.rules["default"]?.verified == 1)
        #expect(stats.ports["vm1"]?.rx == 7 && stats.ports["vm2"]?.tx == 7)
        #expect(stats.ports["vm2"]?.dscp_out[46] == 4 && stats.ports["vm1"]?.dscp_in[0] == 2)
    }

    @Test func malformedFramesAreDroppedAndCounted() throws {
        let harness = try Harness("malformed")
        let good = frame4(routerMAC, vm1MAC).build()
        var badIHL = good
        badIHL[14] = 0x4F  // IHL 15: 60 header bytes, the frame has fewer
        var badVersion6 = frame6(routerMAC, vm1MAC).build()
        badVersion6[14] = 0x45
        let shortTotalLength: [UInt8] = {
            var frame = good
            frame[16] = 0
            frame[17] = 16
            return frame
        }()
        let malformed = [Array(good[0..<30]), badIHL, Array(frame6(routerMAC, vm1MAC).build()[0..<50]),
                         badVersion6, shortTotalLength, Array(good[0..<10]), []]
        try inputs(harness, uplink: [good] + malformed + [good])
        let (_, stats) = try harness.runSwitch(config: ports(harness))
        #expect(try harness.pcap("vm1-out.pcap") == [good, good])
        #expect(try harness.pcap("vm2-out.pcap").isEmpty)
        #expect(stats.qos.malformed == UInt64(malformed.count))
        #expect(stats.ports["uplink"]?.drops["malformed"] == UInt64(malformed.count))
        #expect(stats.ports["uplink"]?.rx == UInt64(malformed.count + 2))
    }

    @Test func floodingLearningAndHairpin() throws {
        let harness = try Harness("flood")
        let arp = FrameBuilder(dstMAC: .broadcast, srcMAC: hostA,
                               network: .other(etherType: 0x0806, payload: [UInt8](repeating: 2, count: 28))).build()
        let toRouter = frame4(hostA, routerMAC).build()  // the router is behind the uplink too: hairpin
        let toHostFromUplink = frame4(routerMAC, hostA).build()  // learned on the uplink: hairpin
        let toHost = frame4(vm1MAC, hostA, dport: 1).build()
        let unknown = frame4(vm2MAC, MACAddress(parsing: "02:00:00:00:00:77")!, dport: 2).build()
        let multicast = frame4(vm1MAC, MACAddress(parsing: "01:00:5e:00:00:05")!, dport: 3).build()
        try inputs(harness, uplink: [arp, toRouter, toHostFromUplink], vm1: [toHost, toHost, multicast],
                   vm2: [unknown, toHost])
        let (_, stats) = try harness.runSwitch(config: ports(harness))
        let uplinkOut = try harness.pcap("uplink-out.pcap")
        let vm1Out = try harness.pcap("vm1-out.pcap")
        let vm2Out = try harness.pcap("vm2-out.pcap")
        #expect(vm1Out.filter { $0 == arp }.count == 1 && vm2Out.filter { $0 == arp }.count == 1)
        #expect(uplinkOut.filter { $0 == toHost }.count == 2)  // learned: unicast to the uplink only
        #expect(stats.ports["vm2"]?.drops["spoofed"] == 1)  // VM2 sending from VM1's static MAC
        #expect(!vm2Out.contains(toHost) && !vm1Out.contains(toHost))
        #expect(uplinkOut.contains(unknown) && vm1Out.contains(unknown) && !vm2Out.contains(unknown))
        #expect(uplinkOut.contains(multicast) && vm2Out.contains(multicast) && !vm1Out.contains(multicast))
        #expect(stats.ports["uplink"]?.drops["hairpin"] == 2)
        #expect(!uplinkOut.contains(toRouter) && !vm1Out.contains(toRouter) && !vm2Out.contains(toRouter))
        // Every received frame was sent at least once or counted as dropped.
        let sentOnce = uplinkOut.count + vm1Out.count + vm2Out.count - 3  // three floods went out twice
        let dropped = stats.ports.values.reduce(0) { $0 + $1.dropped }
        #expect(UInt64(sentOnce) + dropped == stats.ports.values.reduce(0) { $0 + $1.rx })
    }

    @Test func pathsOverrideTheMACDecision() throws {
        let harness = try Harness("paths")
        let backup = frame4(vm2MAC, vm1MAC, from: "10.0.2.1", to: "10.0.1.1", proto: IPProtocol.tcp, dport: 873)
        let control = frame4(routerMAC, vm1MAC, dscp: 56)
        let steered = frame4(vm1MAC, routerMAC, to: "10.0.9.5", dport: 9, dscp: 34)
        let notSteered = frame4(vm1MAC, routerMAC, to: "10.0.8.5", dport: 9, dscp: 34)
        try inputs(harness, uplink: [control.build()], vm1: [steered.build(), notSteered.build()],
                   vm2: [backup.build()])
        let (_, stats) = try harness.runSwitch(config: ports(harness, uplinkExtraTx: ["uplink-q1.pcap"]) + """

        qos:
          rules:
            - name: backup
              match: {from: vm2, proto: tcp, dport: 873}
              dscp: CS1
        paths:
          - dscp: [CS1]
            to: uplink
            queue: 1
          - dscp: [CS7]
            drop: true
          - dscp: [AF41]
            dst: 10.0.9.0/24
            to: vm2
        """)
        #expect(try harness.pcap("uplink-q1.pcap") == [backup.with(dscp: 8).build()])
        #expect(try harness.pcap("uplink-out.pcap") == [notSteered.build()])
        #expect(try harness.pcap("vm2-out.pcap") == [steered.build()])
        #expect(try harness.pcap("vm1-out.pcap").isEmpty)
        #expect(stats.ports["uplink"]?.drops["path_drop"] == 1)
    }

    /// The flow cache's counters: repeated flows are answered by it; a flood of flows seen once
    /// makes its governor stand it aside, and the bursts decided meanwhile are counted.
    @Test func flowCacheCountsItsHitsAndRests() throws {
        let harness = try Harness("flowcache")
        let repeated = (0..<512).map { frame4(vm1MAC, vm2MAC, dport: UInt16(5000 + $0 % 8)).build() }
        try inputs(harness, vm1: repeated)
        let (_, warm) = try harness.runSwitch(config: ports(harness))
        #expect(warm.ports["vm2"]?.tx == 512)
        #expect(warm.work.flow_cache_lookups == 512, "\(warm.work)")
        // Only the first sightings miss (a flow's second frame in the same burst too: a burst's
        // misses are admitted after its lookups).
        #expect(warm.work.flow_cache_hits >= 512 - 32 && warm.work.flow_cache_hits < 512, "\(warm.work)")
        #expect(warm.work.flow_cache_resting_bursts == 0)

        let once = (0..<8192).map { frame4(vm1MAC, vm2MAC, dport: UInt16($0)).build() }
        try inputs(harness, vm1: once)
        let (_, cold) = try harness.runSwitch(config: ports(harness) + "\ndataplane: {flow-cache: 64}\n")
        #expect(cold.ports["vm2"]?.tx == 8192)
        #expect(cold.work.flow_cache_hits == 0, "\(cold.work)")
        // The first window of 64 bursts (2048 frames) fills the 64 slots and finds nothing: the
        // cache rests for the next 15 windows, longer than the rest of the input.
        #expect(cold.work.flow_cache_resting_bursts > 0, "\(cold.work)")
        #expect(cold.work.flow_cache_lookups >= 2048 && cold.work.flow_cache_lookups < 8192, "\(cold.work)")
    }
}
