import Foundation
import Testing
import Traffic
import VMSwitchCore

/// `egress:` on the real binary: an uplink shaped by DPDK's rte_sched well below what two VMs
/// offer, with strict priority, a capped class and weighted best-effort queues.
@Suite(.serialized) struct EgressShapingTests {
    /// Ports `in-NAME` replaying a 1000-byte frame as fast as the switch takes it (each marked by
    /// a rule), and the uplink (a null port) shaped as `egress` says. Returns the counters at the
    /// start and at the end of a 3-second window that begins once the switch has run for 1 s
    /// (start-up and other processes' exits stay out of the figures).
    func run(_ harness: Harness, inputs: [(name: String, dscp: String, police: String?)],
             egress: String) throws -> (first: Stats, last: Stats) {
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
        let vswitch = try harness.backgroundSwitch(config: config)
        #expect(vswitch.waitFor("running"))
        let first = try #require(harness.waitForStats("a second of traffic", { $0.seconds >= 1 }))
        let last = try #require(harness.waitForStats("the window's end", { $0.seconds >= first.seconds + 3 }))
        #expect(vswitch.interrupt() == 0)
        #expect(harness.leftDPDKFiles.isEmpty)
        return (first, last)
    }

    /// Megabits per second on the wire (frame + Ethernet's 24 bytes of overhead) between two
    /// snapshots, of what `frames` counts.
    func megabits(_ window: (first: Stats, last: Stats), _ frames: (Stats) -> UInt64?) -> Double {
        Double((frames(window.last) ?? 0) - (frames(window.first) ?? 0)) * 1024 * 8
            / (window.last.seconds - window.first.seconds) / 1e6
    }

    /// Best effort floods a 20 Mbit/s uplink; EF arrives at 500 frames a second (4 Mbit/s, held
    /// there by a policer): EF loses nothing, best effort gets the rest, the uplink sends 20 Mbit/s.
    @Test func congestionSparesEFAndHoldsTheShapedRate() throws {
        let harness = try Harness("shape")
        let window = try run(harness, inputs: [("bulk", "BE", nil), ("voice", "EF", "{rate: 500pps, burst: 10}")], egress: """
                  rate: 20Mbit
                  classes:
                    - {name: voice, dscp: [EF]}
                  queue-size: 64
            """)
        let uplink = megabits(window) { $0.ports["up"]?.tx }
        let voice = megabits(window) { $0.ports["up"]?.classes?["voice"]?.sent }
        let offered = megabits(window) { $0.rules["voice"]?.green }
        let bulk = megabits(window) { $0.ports["up"]?.classes?["best-effort"]?.sent }
        let last = try #require(window.last.ports["up"]?.classes)
        print("shaped uplink: \(uplink) Mbit/s; voice \(voice) of \(offered) Mbit/s offered (\(last["voice"]!.dropped) dropped "
              + "in all); best effort \(bulk) Mbit/s (\(last["best-effort"]!.dropped) dropped)")
        #expect(abs(uplink - 20) <= 1)
        #expect(Double(last["voice"]!.dropped) <= Double(last["voice"]!.sent) * 0.001)
        #expect(abs(voice - offered) <= offered * 0.05)
        #expect(abs(bulk - (20 - voice)) <= 1)
        #expect(last["best-effort"]!.dropped > 0)
        let final = try #require(try harness.stats().ports["up"])  // after the stop: every counter final
        #expect(final.drops["egress_queue_full"] == final.classes!["voice"]!.dropped + final.classes!["best-effort"]!.dropped)
        // What left, by the DSCP it left with: EF and BE only, every frame counted once.
        #expect(final.dscp_out[46] > 0 && final.dscp_out[46] + final.dscp_out[0] == final.tx)
    }

    /// Everything overloaded: voice (strict priority, capped at 5 Mbit/s) first, then the
    /// best-effort queues AF1x and BE share the other 15 Mbit/s 2:1.
    @Test func strictPriorityCapsAndWeightsUnderOverload() throws {
        let harness = try Harness("shapewrr")
        let window = try run(harness, inputs: [("voice", "EF", nil), ("assured", "AF11", nil), ("bulk", "BE", nil)], egress: """
                  rate: 20Mbit
                  classes:
                    - {name: voice, dscp: [EF], rate: 5Mbit}
                  best-effort: {weights: {AF1x: 2, BE: 1}}
                  queue-size: 64
            """)
        let voice = megabits(window) { $0.ports["up"]?.classes?["voice"]?.sent }
        let assured = megabits(window) { $0.ports["up"]?.classes?["AF1x"]?.sent }
        let bulk = megabits(window) { $0.ports["up"]?.classes?["BE"]?.sent }
        print("priority and weights at 20 Mbit/s: voice \(voice), AF1x \(assured), BE \(bulk) Mbit/s")
        #expect(abs(voice - 5) <= 0.25)
        #expect(abs(assured - 10) <= 0.5)
        #expect(abs(bulk - 5) <= 0.25)
        #expect(abs(assured / bulk - 2) <= 0.1)
    }

    /// A rate in frames per second counts frames whatever their size: 2000 a second leave, the
    /// voice class capped at 500 of them, best effort the other 1500.
    @Test func aFrameRateShapesFrames() throws {
        let harness = try Harness("shapepps")
        let window = try run(harness, inputs: [("voice", "EF", nil), ("bulk", "BE", nil)], egress: """
                  rate: 2000pps
                  classes:
                    - {name: voice, dscp: [EF], rate: 500pps}
                  queue-size: 64
            """)
        func perSecond(_ frames: (Stats) -> UInt64?) -> Double {
            Double((frames(window.last) ?? 0) - (frames(window.first) ?? 0)) / (window.last.seconds - window.first.seconds)
        }
        let uplink = perSecond { $0.ports["up"]?.tx }
        let voice = perSecond { $0.ports["up"]?.classes?["voice"]?.sent }
        let bulk = perSecond { $0.ports["up"]?.classes?["best-effort"]?.sent }
        print("frame-rate shaping: uplink \(uplink) frames/s, voice \(voice), best effort \(bulk)")
        #expect(abs(uplink - 2000) <= 100)
        #expect(abs(voice - 500) <= 25)
        #expect(abs(bulk - 1500) <= 75)
    }
}
