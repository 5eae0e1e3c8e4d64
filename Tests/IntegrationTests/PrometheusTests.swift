import Foundation
import Testing
import Traffic
import VMSwitchCore

/// `vmswitch exporter` scraped by Debian's real Prometheus server on loopback: the counters read
/// back through Prometheus' query API equal the switch's own, a reload shows as a new policy
/// version, and a stopped switch as `vmswitch_up 0`. promtool lints the exposition.
@Suite(.serialized) struct PrometheusTests {
    /// The uplink replays 600 voice frames (to vm1, rewritten to EF), 400 other UDP frames (to
    /// vm2) and 50 frames addressed to the uplink itself (dropped as hairpin), then stays idle.
    func config(_ harness: Harness, voice: String) throws -> String {
        let frames = [[UInt8]](repeating: frame4(routerMAC, vm1MAC, dport: 5060).build(), count: 600)
            + [[UInt8]](repeating: frame4(routerMAC, vm2MAC, dport: 9).build(), count: 400)
            + [[UInt8]](repeating: frame4(MACAddress(parsing: "02:00:00:00:00:aa")!, routerMAC, dport: 9).build(), count: 50)
        try PcapFile.write(frames, to: harness.path("uplink.pcap"))
        return """
        ports:
          - name: uplink
            role: physical
            device: "net_pcap0,rx_pcap=\(harness.path("uplink.pcap"))"
            mac: ["\(routerMAC)"]
          - name: vm1
            device: "net_null0,no-rx=1"
            mac: ["\(vm1MAC)"]
          - name: vm2
            device: "net_null1,no-rx=1"
            mac: ["\(vm2MAC)"]
        qos:
          rules:
            - name: voice
              match: {proto: udp, dport: 5060}
              dscp: \(voice)
        """
    }

    /// Ports for the exporter and Prometheus that no other test run on this machine uses.
    static let basePort = 20000 + Int(getpid() % 10000) * 2

    func get(_ url: String) throws -> String {
        let result = try withSignalsUnblocked { try Harness.run("/usr/bin/curl", ["-sf", "--max-time", "5", url]) }
        return result.status == 0 ? result.output : ""
    }

    /// The value of a PromQL instant query's single sample, or nil while Prometheus has none.
    func query(_ prometheus: String, _ expression: String) throws -> Double? {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
        let reply = try get("http://\(prometheus)/api/v1/query?query=\(encoded)")
        guard let json = try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
              result.count == 1, let value = result[0]["value"] as? [Any], value.count == 2,
              let text = value[1] as? String else { return nil }
        return Double(text)
    }

    /// Polls Prometheus until `expression` reads `expected` (its first scrape of a new target
    /// comes after up to ~6 s); records the last value otherwise.
    func expectQuery(_ prometheus: String, _ expression: String, _ expected: Double, timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: Double?
        while Date() < deadline {
            last = try query(prometheus, expression)
            if last == expected {
                print("prometheus: \(expression) = \(expected)")
                return
            }
            usleep(250_000)
        }
        Issue.record("Prometheus: \(expression) = \(last.map { String($0) } ?? "no sample"), expected \(expected)")
    }

    @Test func prometheusScrapesTheExporter() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else {
            Issue.record("Debian's prometheus is not installed (make test installs it)")
            return
        }
        let harness = try Harness("prometheus")
        let vswitch = try harness.backgroundSwitch(config: try config(harness, voice: "EF"))
        defer { vswitch.kill() }
        #expect(vswitch.waitFor("running"))
        harness.waitForStats("replay done", { $0.ports["uplink"]?.rx == 1050 })

        let exporterAddress = "127.0.0.1:\(PrometheusTests.basePort)"
        let exporter = try Background("exporter", Harness.binary,
                                      ["exporter", "--listen", exporterAddress, "--file-prefix", harness.prefix],
                                      directory: harness.directory, prefix: nil)
        defer { exporter.kill() }
        #expect(exporter.waitFor("serving http://\(exporterAddress)/metrics"))
        let exposition = try get("http://\(exporterAddress)/metrics")
        #expect(exposition.contains("# TYPE vmswitch_port_rx_frames_total counter"))
        #expect(exposition.contains(#"vmswitch_port_dscp_out_frames_total{port="vm1",dscp="46"} 600"#))
        try exposition.write(toFile: harness.path("metrics.txt"), atomically: true, encoding: .utf8)
        let lint = try withSignalsUnblocked {
            try Harness.run("/bin/sh", ["-c", "promtool check metrics < \(harness.path("metrics.txt"))"])
        }
        #expect(lint.status == 0, "promtool check metrics:\n\(lint.output)\(lint.error)")

        let prometheusAddress = "127.0.0.1:\(PrometheusTests.basePort + 1)"
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: vmswitch
            static_configs:
              - targets: ["\(exporterAddress)"]
        """.write(toFile: harness.path("prometheus.yml"), atomically: true, encoding: .utf8)
        let prometheus = try Background("prometheus", "/usr/bin/prometheus", [
            "--config.file=\(harness.path("prometheus.yml"))", "--storage.tsdb.path=\(harness.path("tsdb"))",
            "--web.listen-address=\(prometheusAddress)",
        ], directory: harness.directory, prefix: nil)
        defer { prometheus.kill() }

        // What the switch counted, as Prometheus stored it.
        try expectQuery(prometheusAddress, #"vmswitch_up{job="vmswitch"}"#, 1)
        try expectQuery(prometheusAddress, #"vmswitch_port_rx_frames_total{port="uplink"}"#, 1050)
        try expectQuery(prometheusAddress, #"vmswitch_port_tx_frames_total{port="vm1"}"#, 600)
        try expectQuery(prometheusAddress, #"vmswitch_port_tx_frames_total{port="vm2"}"#, 400)
        try expectQuery(prometheusAddress, #"vmswitch_port_dropped_frames_total{port="uplink",reason="hairpin"}"#, 50)
        try expectQuery(prometheusAddress, #"vmswitch_port_dscp_in_frames_total{port="uplink",dscp="0"}"#, 1050)
        try expectQuery(prometheusAddress, #"vmswitch_port_dscp_out_frames_total{port="vm1",dscp="46"}"#, 600)
        try expectQuery(prometheusAddress, #"vmswitch_rule_matched_frames_total{rule="voice"}"#, 600)
        try expectQuery(prometheusAddress, #"vmswitch_rule_rewritten_frames_total{rule="voice"}"#, 600)
        try expectQuery(prometheusAddress, #"vmswitch_port_link_up{port="vm2"}"#, 1)
        try expectQuery(prometheusAddress, "vmswitch_policy_version", 1)

        // A reload shows as the next policy version.
        _ = try harness.write(config: try config(harness, voice: "AF41"))
        let reload = try withSignalsUnblocked {
            try Harness.run(Harness.binary, ["reload", "--file-prefix", harness.prefix])
        }
        #expect(reload.status == 0, "\(reload.output)\(reload.error)")
        try expectQuery(prometheusAddress, "vmswitch_policy_version", 2)

        // A stopped switch: the exporter stays up and says so.
        #expect(vswitch.interrupt() == 0)
        try expectQuery(prometheusAddress, #"vmswitch_up{job="vmswitch"}"#, 0)
        #expect(exporter.interrupt() == 0)
        #expect(prometheus.interrupt() == 0)
        #expect(harness.leftDPDKFiles.isEmpty)
    }
}
