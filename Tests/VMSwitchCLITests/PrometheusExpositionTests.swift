import Dataplane
import Testing
import VMSwitchCLI

@Suite struct PrometheusExpositionTests {
    func snapshot() -> StatsSnapshot {
        var dscpOut = [UInt64](repeating: 0, count: 64)
        dscpOut[46] = 7
        var vm1 = StatsSnapshot.Port(
            rx: 10, tx: 7, dropped: 3, drops: ["hairpin": 3, "police": 0], link: "up", numa: 0, lcore: 1,
            rxCrossNode: 0, txCrossNode: 0, rxMissed: 0, rxNoMbuf: 0, dscpIn: [UInt64](repeating: 0, count: 64),
            dscpOut: dscpOut, dscpPairs: [:], verified: 2, inconsistent: 8, macs: 1)
        vm1.classes = ["voice": .init(sent: 5, dropped: 1)]
        var voice = StatsSnapshot.Rule(matched: 9, verified: 1, rewritten: 8, dscp: "EF", mode: "enforce")
        voice.green = 6
        voice.yellow = 2
        voice.red = 1
        return StatsSnapshot(
            ports: ["vm 1": vm1], qos: .init(verified: 2, rewritten: 8, monitored: 0, malformed: 0, nonIP: 0),
            rules: ["voice \"rtp\"": voice], mac: .init(learned: 1, tableFull: 0, spoofedSource: 0, aged: 4),
            pools: [:], work: .init(cyclesPerFrame: 61.5, tscHz: 0, rounds: 0, busyRounds: 0, flowCacheLookups: 90,
                                                 flowCacheHits: 81, flowCacheRestingBursts: 5), paths: [],
            policyVersion: 3, seconds: 0, portOrder: ["vm 1"], ruleOrder: ["voice \"rtp\""])
    }

    func lines(_ stats: StatsSnapshot?) -> Set<String> {
        Set(String(decoding: PrometheusExposition.render(stats), as: UTF8.self).split(separator: "\n").map(String.init))
    }

    @Test func countersCarryPortRuleAndReasonLabels() {
        let lines = lines(snapshot())
        for expected in [
            "vmswitch_up 1.0", "vmswitch_policy_version 3.0",
            "# TYPE vmswitch_port_rx_frames_total counter",
            #"vmswitch_port_rx_frames_total{port="vm 1"} 10"#,
            #"vmswitch_port_dropped_frames_total{port="vm 1",reason="hairpin"} 3"#,
            #"vmswitch_port_dropped_frames_total{port="vm 1",reason="police"} 0"#,
            #"vmswitch_port_dscp_out_frames_total{port="vm 1",dscp="46"} 7"#,
            #"vmswitch_port_link_up{port="vm 1"} 1.0"#,
            #"vmswitch_port_class_sent_frames_total{port="vm 1",class="voice"} 5"#,
            #"vmswitch_rule_rewritten_frames_total{rule="voice \"rtp\""} 8"#,
            #"vmswitch_rule_police_frames_total{rule="voice \"rtp\"",colour="yellow"} 2"#,
            "vmswitch_mac_aged_entries_total 4", "vmswitch_work_cycles_per_frame 61.5",
            "vmswitch_flow_cache_lookups_frames_total 90", "vmswitch_flow_cache_hits_frames_total 81",
            "vmswitch_flow_cache_resting_bursts_total 5",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        // DSCPs that never occurred are not series of their own.
        #expect(!lines.contains { $0.hasPrefix("vmswitch_port_dscp_in_frames_total") })
    }

    @Test func aSwitchThatDoesNotAnswerIsDown() {
        #expect(lines(nil).filter { !$0.hasPrefix("#") } == ["vmswitch_up 0.0"])
    }

    @Test func listenAddresses() throws {
        let v4 = try ListenAddress("127.0.0.1:9477")
        #expect(v4.host == "127.0.0.1" && v4.port == 9477 && v4.description == "127.0.0.1:9477")
        let v6 = try ListenAddress("[::1]:9100")
        #expect(v6.host == "::1" && v6.port == 9100 && v6.description == "[::1]:9100")
        for bad in ["9477", ":9477", "host:", "host:70000", "[::1]9477", "host:port"] {
            #expect(throws: ListenAddress.Invalid.self) { try ListenAddress(bad) }
        }
    }
}
