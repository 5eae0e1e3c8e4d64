import Foundation
import Testing
import Traffic
import VMSwitchCore

/// The QoS audit on real DPDK ports: every counter checked against the frames sent, monitor mode
/// included (bytes untouched, counted as if enforced), and `vmswitch audit` over the result.
@Suite(.serialized) struct AuditTests {
    @Test func everyCounterMatchesTheFramesSent() throws {
        let harness = try Harness("audit")
        let voice = frame4(vm1MAC, vm2MAC, dport: 5060, dscp: 0)
        let voiceMarked = frame4(vm1MAC, vm2MAC, dport: 5060, dscp: 46)
        let video = frame4(vm1MAC, vm2MAC, to: "10.0.2.9", proto: IPProtocol.tcp, dport: 443, dscp: 0)
        let videoMarked = frame4(vm1MAC, vm2MAC, to: "10.0.2.9", proto: IPProtocol.tcp, dport: 443, dscp: 34)
        let other = frame4(vm1MAC, vm2MAC, dport: 9, dscp: 0)
        let sent = Array(repeating: voice, count: 6) + Array(repeating: voiceMarked, count: 4)
            + Array(repeating: video, count: 5) + Array(repeating: videoMarked, count: 3) + Array(repeating: other, count: 2)
        try PcapFile.write(sent.map { $0.build() }, to: harness.path("vm1-in.pcap"))
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        try PcapFile.write([], to: harness.path("vm2-in.pcap"))
        let (_, stats) = try harness.runSwitch(config: PipelineTests().ports(harness) + """

        qos:
          rules:
            - name: voice
              match: {from: vm1, proto: udp, dport: 5060}
              dscp: EF
            - name: video
              match: {dst: 10.0.2.0/24, proto: tcp, dport: 443}
              dscp: AF41
              mode: monitor
        """)
        // Monitor mode leaves the video frames exactly as sent; voice is enforced.
        let expected = sent.map { $0.dport == 5060 ? $0.with(dscp: 46).build() : $0.build() }
        #expect(try harness.pcap("vm2-out.pcap") == expected)
        #expect(stats.rules["voice"].map { [$0.matched, $0.verified, $0.rewritten] } == [10, 4, 6])
        #expect(stats.rules["video"].map { [$0.matched, $0.verified, $0.rewritten] } == [8, 3, 5])
        #expect(stats.rules["default"].map { [$0.matched, $0.verified, $0.rewritten] } == [2, 2, 0])
        #expect(stats.qos.verified == 9 && stats.qos.rewritten == 11 && stats.qos.monitored == 5)
        let vm1 = stats.ports["vm1"]!
        #expect(vm1.dscp_in[0] == 13 && vm1.dscp_in[46] == 4 && vm1.dscp_in[34] == 3 && vm1.dscp_in.reduce(0, +) == 20)
        #expect(vm1.dscp_pairs == ["0>46": 6, "46>46": 4, "0>34": 5, "34>34": 3, "0>0": 2])
        #expect(vm1.verified == 9 && vm1.inconsistent == 11)
        let vm2 = stats.ports["vm2"]!
        #expect(vm2.dscp_out[46] == 10 && vm2.dscp_out[0] == 7 && vm2.dscp_out[34] == 3 && vm2.dscp_out.reduce(0, +) == 20)

        let audit = try Harness.run(Harness.binary, ["audit", "--stats", harness.path("stats.json"), "--json"])
        #expect(audit.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(audit.output.utf8)) as? [String: Any]
        let port = (report?["ports"] as? [[String: Any]])?.first { $0["name"] as? String == "vm1" }
        #expect(port?["ip_frames"] as? Int == 20 && port?["inconsistent"] as? Int == 11)
        #expect(port?["share"] as? Double == 0.55)
        let pairs = (port?["top_pairs"] as? [[String: Any]] ?? []).map { "\($0["received"]!)->\($0["assigned"]!) \($0["frames"]!)" }
        #expect(pairs == ["BE->EF 6", "BE->AF41 5"])
        #expect((report?["monitor_would_rewrite"] as? [String: Int]) == ["video": 5])
        let table = try Harness.run(Harness.binary, ["audit", "--stats", harness.path("stats.json")])
        #expect(table.output.contains("video: 5 of 8 frames (62.5%) -> AF41"))
    }
}
