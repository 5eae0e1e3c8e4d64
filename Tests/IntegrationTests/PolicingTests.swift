import Foundation
import Testing
import Traffic
import VMSwitchCore

/// `police:` meters on the real binary (DPDK's rte_meter behind them): offered load far above a
/// rule's rates, and a live reload that changes a rate under traffic.
@Suite(.serialized) struct PolicingTests {
    /// A pcap input replayed as fast as the switch takes it, one output port that records.
    func config(_ harness: Harness, police: String, output: String) -> String {
        """
        ports:
          - name: in
            device: "net_pcap0,rx_pcap=\(harness.path("in.pcap")),infinite_rx=1"
          - name: out
            device: "\(output)"
            mac: ["\(vm1MAC)"]
        qos:
          rules:
            - name: metered
              match: {from: in}
              dscp: AF11
              police: \(police)
        """
    }

    /// trTCM at 800 kbit/s committed and 1600 kbit/s peak, 10 KB bursts, on 100-byte frames:
    /// green frames leave as AF11 at 1000 a second (plus the burst), yellow ones as AF12 at
    /// another 1000 a second, red ones are dropped and counted.
    @Test func aTwoRateMeterColoursRemarksAndDrops() throws {
        let harness = try Harness("police")
        let frame = frame4(routerMAC, vm1MAC, dport: 5004, dscp: 0, payload: 58).build()
        #expect(frame.count == 100)
        try PcapFile.write([frame], to: harness.path("in.pcap"))
        let file = try harness.write(config: config(
            harness, police: "{rate: 800kbit, burst: 10KB, peak: 1600kbit, peak-burst: 10KB, exceed: AF12, violate: drop}",
            output: "net_pcap1,tx_pcap=\(harness.path("out.pcap"))"))
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--duration", "4",
                                                      "--stats-json", harness.path("stats.json"), "--"] + harness.eal)
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let stats = try harness.stats()
        let rule = try #require(stats.rules["metered"])
        let green = try #require(rule.green), yellow = try #require(rule.yellow), red = try #require(rule.red)
        let seconds = stats.seconds
        let expectedGreen = 1000 * seconds + 100  // 100,000 bytes/s of 100-byte frames, plus a 10 KB burst
        let expectedYellow = 1000 * seconds       // the peak bucket allows 1000/s more (its burst equals the committed one)
        print("police: \(stats.ports["in"]!.rx) frames in \(seconds) s: green \(green) (expected \(expectedGreen)), "
              + "yellow \(yellow) (expected \(expectedYellow)), red \(red)")
        #expect(abs(Double(green) - expectedGreen) <= expectedGreen * 0.05)
        #expect(abs(Double(yellow) - expectedYellow) <= expectedYellow * 0.05)
        #expect(green + yellow + red == stats.ports["in"]!.rx)
        #expect(stats.ports["in"]?.drops["police"] == red)
        let sent = try harness.pcap("out.pcap")
        #expect(sent.filter { $0 == frame4(routerMAC, vm1MAC, dport: 5004, dscp: 10, payload: 58).build() }.count == Int(green))
        #expect(sent.filter { $0 == frame4(routerMAC, vm1MAC, dport: 5004, dscp: 12, payload: 58).build() }.count == Int(yellow))
        #expect(sent.count == Int(green + yellow))
    }

    /// A reload under traffic moves a frame-rate meter from 1000 to 3000 frames a second: the
    /// output follows, and every frame received is either sent or counted as a police drop.
    @Test func aReloadChangesTheRateAndLosesNothing() throws {
        let harness = try Harness("policereload")
        try PcapFile.write([frame4(routerMAC, vm1MAC, dport: 5006).build()], to: harness.path("in.pcap"))
        func police(_ rate: Int) -> String { config(harness, police: "{rate: \(rate)pps, burst: 50}", output: "net_null1") }
        let vswitch = try harness.backgroundSwitch(config: police(1000))
        #expect(vswitch.waitFor("running"))
        func rate(over window: Double) -> Double {
            guard let first = harness.waitForStats("counters", { $0.seconds > 0.5 }) else { return 0 }
            var last = first
            while last.seconds < first.seconds + window, let next = try? harness.stats() {
                last = next
                usleep(100_000)
            }
            return Double(last.ports["out"]!.tx - first.ports["out"]!.tx) / (last.seconds - first.seconds)
        }
        let before = rate(over: 2)
        _ = try harness.write(config: police(3000))
        let reload = try Harness.run(Harness.binary, ["reload", "--file-prefix", harness.prefix])
        #expect(reload.status == 0 && reload.output.contains("reloaded"), "\(reload.output)")
        usleep(500_000)
        let after = rate(over: 2)
        #expect(vswitch.interrupt() == 0)
        let stats = try harness.stats()
        print("police reload: \(before) frames/s at 1000pps, \(after) frames/s at 3000pps; in \(stats.ports["in"]!.rx), "
              + "out \(stats.ports["out"]!.tx), police drops \(stats.ports["in"]!.drops["police"] ?? 0)")
        #expect(abs(before - 1000) <= 100)
        #expect(abs(after - 3000) <= 300)
        #expect(stats.ports["in"]!.rx == stats.ports["out"]!.tx + (stats.ports["in"]!.drops["police"] ?? 0))
        #expect(stats.ports["in"]!.dropped == stats.ports["in"]!.drops["police"])
        #expect(stats.policy_version == 2)
    }
}
