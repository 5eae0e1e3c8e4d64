import Foundation
import Testing
import Traffic
import VMSwitchCore

/// What a tenant's VM may send, through the AddressSanitizer build of vmswitch (`make test`
/// builds it; VMSWITCH_ASAN_BIN), else the release build: never a crash, a sanitizer report, a
/// hang, or a frame unaccounted for.
@Suite(.serialized) struct HostileInputTests {
    static let binary = ProcessInfo.processInfo.environment["VMSWITCH_ASAN_BIN"] ?? Harness.binary

    static func hostileFrames() -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var v4 = frame4(vm1MAC, vm2MAC, vlan: 7)
        v4.network = .ipv4(src: ipv4Address("10.0.0.1"), dst: ipv4Address("10.0.0.2"), options: [1, 1, 1, 0, 1, 1, 1, 0])
        var v6 = frame6(vm1MAC, vm2MAC, proto: IPProtocol.udp, dport: 53)
        v6.network = .ipv6(src: 1, dst: 2, extensions: [.options(0, units: 1), .options(43), .fragment(offset: 0, more: true),
                                                         .options(60, units: 2)])
        var qinq = frame4(vm1MAC, vm2MAC, proto: IPProtocol.tcp)
        qinq.tags = [(tpid: EtherType.qinq, tci: 1), (tpid: EtherType.vlan, tci: 2)]
        for good in [v4.build(), v6.build(), qinq.build()] {
            for length in 0...good.count { frames.append(Array(good[0..<length])) }  // truncated at every offset
        }
        let plain = frame4(vm1MAC, vm2MAC).build()
        for ihl: UInt8 in [0, 1, 4, 6, 15] {  // IHL lies
            var frame = plain
            frame[14] = 0x40 | ihl
            frames.append(frame)
        }
        for total: UInt16 in [0, 1, 19, 20, 65535] {  // total-length lies
            var frame = plain
            frame[16] = UInt8(total >> 8)
            frame[17] = UInt8(total & 0xFF)
            frames.append(frame)
        }
        var lying6 = frame6(vm1MAC, vm2MAC).build()  // next header claims a hop-by-hop header of 2 KB
        lying6[20] = 0
        lying6 += [17, 255] + [UInt8](repeating: 0, count: 6)
        frames.append(lying6)
        var chain = frame6(vm1MAC, vm2MAC)  // more extension headers than are walked
        chain.network = .ipv6(src: 1, dst: 2, extensions: .init(repeating: .options(60), count: 12))
        frames.append(chain.build())
        let storm = vm2MAC.octets + vm1MAC.octets + [UInt8](repeating: 0, count: 200).enumerated().map { $0.offset % 4 == 0 ? 0x81 : $0.offset % 4 == 1 ? 0x00 : 0x00 }
        frames.append(storm)  // a VLAN tag storm: fifty 0x8100 tags
        frames.append(frame4(vm1MAC, vm2MAC, dport: 5060, payload: 8958).build())  // 9000 bytes: multi-segment
        frames.append(frame6(vm1MAC, vm2MAC).with(dscp: 5).build() + [UInt8](repeating: 0xEE, count: 8900))
        frames += [[], [], []]  // zero-length frames
        var random = SplitMix(seed: 99)
        for _ in 0..<500 {  // noise with IP ethertypes
            var frame = (0..<Int(random.next() % 120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if frame.count >= 14 {
                frame[12] = random.next() % 2 == 0 ? 0x08 : 0x86
                frame[13] = frame[12] == 0x08 ? 0x00 : 0xDD
            }
            frames.append(frame)
        }
        return frames
    }

    @Test func hostileFramesNeverHurtTheSwitch() throws {
        let harness = try Harness("hostile")
        let frames = HostileInputTests.hostileFrames()
        try PcapFile.write(frames, to: harness.path("vm1-in.pcap"))
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        try PcapFile.write([], to: harness.path("vm2-in.pcap"))
        let file = try harness.write(config: PipelineTests().ports(harness) + """

        qos:
          rules:
            - {name: all-v4, match: {src: 0.0.0.0/0, proto: udp, dport: 5060}, dscp: EF}
            - {name: all-v6, match: {dst: "::/0"}, dscp: AF11}
        paths:
          - {dscp: [AF11], to: uplink}
        """)
        let result = try Harness.run(HostileInputTests.binary, ["run", "--config", file, "--exit-idle", "1", "--duration", "60",
                                                                "--stats-json", harness.path("stats.json"), "--"] + harness.eal,
                                     timeout: 120)
        #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error.suffix(4000))")
        #expect(!result.error.contains("AddressSanitizer") && !result.error.contains("LeakSanitizer"))
        let stats = try JSONDecoder().decode(Stats.self, from: Data(contentsOf: URL(fileURLWithPath: harness.path("stats.json"))))
        let vm1 = stats.ports["vm1"]!
        #expect(vm1.rx == UInt64(frames.count))
        let sent = try harness.pcap("vm2-out.pcap").count + harness.pcap("uplink-out.pcap").count
        let flooded = (try harness.pcap("vm2-out.pcap")).filter { frame in
            frame.count < 6 || frame[0] & 1 == 1 || Array(frame[0..<6]) != vm2MAC.octets
        }.count  // floods went to both outputs
        let rxDropped = ["malformed", "hairpin", "path_drop", "no_destination"].reduce(UInt64(0)) { $0 + (vm1.drops[$1] ?? 0) }
        #expect(UInt64(sent - flooded) + rxDropped == vm1.rx, "frames unaccounted for")
        #expect(stats.qos.malformed > 0 && stats.qos.malformed == vm1.drops["malformed"])
        // Every mbuf came back: what remains in use is what the idle ports hold.
        #expect(stats.pools.values.allSatisfy { $0.in_use < 64 }, "\(stats.pools)")
    }
}
