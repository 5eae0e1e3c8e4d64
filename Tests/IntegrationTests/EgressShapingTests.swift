import Foundation
import Testing
import Traffic
import VMSwitchCore

/// `egress:` on the real binary: an uplink shaped by DPDK's rte_sched well below what two VMs
/// offer, with strict priority, a capped class and weighted best-effort queues.
@Suite(.serialized) struct EgressShapingTests {
    /// Ports `in-NAME` replaying a 1000-byte frame as fast as the switch takes it (each marked by
    /// a rule), and the uplink (a null port) shaped as `egress` says.
    func run(_ harness: Harness, inputs: [(name: String, dscp: String, police: String?)], egress: String,
             seconds: Int = 4) throws -> Stats {
        let frame = frame4(vm1MAC, routerMAC, dport: 9, payload: 958).build()
        #expect(frame.count == 1000)
        try PcapFile.write([frame], to: harness.path("in.pcap"))
        var config = "ports:\n"
        for (index, input) in inputs.enumerated() {
            config += "  - {name: in-\(input.name), device: \"net_pcap\(index),rx_pcap=\(harness.path("in.pcap")),infinite_rx=1\"}\n"
        }
        config += """
              - name: up
                device: "net_null\(inputs.count),no-rx=1"
                mac: ["\(routerMAC)"]
                egress:
            \(egress)
            qos:
              rules:

            """
        for input in inputs {
            config += "    - {name: \(input.name), match: {from: in-\(input.name)}, dscp: \(input.dscp)"
                + (input.police.map { ", police: \($0)" } ?? "") + "}\n"
        }
        let file = try harness.write(config: config)
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--duration", "\(seconds)",
                                                      "--stats-json", harness.path("stats.json"), "--"] + harness.eal)
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        return try harness.stats()
    }

    /// Megabits per second on the wire (frame + Ethernet's 24 bytes of overhead) of `frames`.
    func megabits(_ frames: UInt64, _ stats: Stats) -> Double { Double(frames) * 1024 * 8 / stats.seconds / 1e6 }

    /// Best effort floods a 20 Mbit/s uplink; EF arrives at 500 frames a second (4 Mbit/s, held
    /// there by a policer): EF loses nothing, best effort gets the rest, the uplink sends 20 Mbit/s.
    @Test func congestionSparesEFAndHoldsTheShapedRate() throws {
        let harness = try Harness("shape")
        let stats = try run(harness, inputs: [("bulk", "BE", nil), ("voice", "EF", "{rate: 500pps, burst: 10}")], egress: """
                  rate: 20Mbit
                  classes:
                    - {name: voice, dscp: [EF]}
                  queue-size: 64
            """)
        let up = try #require(stats.ports["up"]), classes = try #require(up.classes)
        let voice = try #require(classes["voice"]), bulk = try #require(classes["best-effort"])
        let offered = try #require(stats.rules["voice"]?.green)
        print("shaped uplink: \(megabits(up.tx, stats)) Mbit/s; voice sent \(voice.sent) of \(offered) offered, dropped "
              + "\(voice.dropped); best effort sent \(bulk.sent) (\(megabits(bulk.sent, stats)) Mbit/s), dropped \(bulk.dropped)")
        #expect(abs(megabits(up.tx, stats) - 20) <= 1)
        #expect(Double(voice.dropped) <= Double(voice.sent) * 0.001)
        #expect(voice.sent + 64 >= offered && voice.sent <= offered)  // at most a queue's worth still queued at the stop
        #expect(abs(megabits(bulk.sent, stats) - (20 - megabits(voice.sent, stats))) <= 1)
        #expect(bulk.dropped > 0 && up.drops["egress_queue_full"] == voice.dropped + bulk.dropped)
    }

    /// Everything overloaded: voice (strict priority, capped at 5 Mbit/s) first, then the
    /// best-effort queues AF1x and BE share the other 15 Mbit/s 2:1.
    @Test func strictPriorityCapsAndWeightsUnderOverload() throws {
        let harness = try Harness("shapewrr")
        let stats = try run(harness, inputs: [("voice", "EF", nil), ("assured", "AF11", nil), ("bulk", "BE", nil)], egress: """
                  rate: 20Mbit
                  classes:
                    - {name: voice, dscp: [EF], rate: 5Mbit}
                  best-effort: {weights: {AF1x: 2, BE: 1}}
                  queue-size: 64
            """)
        let classes = try #require(stats.ports["up"]?.classes)
        let voice = megabits(classes["voice"]!.sent, stats)
        let assured = megabits(classes["AF1x"]!.sent, stats)
        let bulk = megabits(classes["BE"]!.sent, stats)
        print("priority and weights at 20 Mbit/s: voice \(voice), AF1x \(assured), BE \(bulk) Mbit/s")
        #expect(abs(voice - 5) <= 0.25)
        #expect(abs(assured - 10) <= 0.5)
        #expect(abs(bulk - 5) <= 0.25)
        #expect(abs(assured / bulk - 2) <= 0.1)
    }
}
