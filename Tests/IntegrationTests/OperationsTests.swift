import Foundation
import Testing
import Traffic
import VMSwitchCore

/// Operating a running switch: DPDK telemetry (the stock client and vmswitch's own), packet
/// capture with dpdk-dumpcap read back by tshark, live reload, and the hardware-offload fallback.
@Suite(.serialized) struct OperationsTests {
    /// The uplink replays two frames forever (voice to vm1, other UDP to vm2); both VM ports are
    /// null devices.
    func steadyConfig(_ harness: Harness, voiceDSCP: String = "EF") throws -> String {
        try PcapFile.write([frame4(routerMAC, vm1MAC, dport: 5060, dscp: 0).build(),
                            frame4(routerMAC, vm2MAC, dport: 9, dscp: 0).build()], to: harness.path("steady.pcap"))
        return """
        ports:
          - name: uplink
            role: physical
            device: "net_pcap0,rx_pcap=\(harness.path("steady.pcap")),infinite_rx=1"
            mac: ["\(routerMAC)"]
          - name: vm1
            device: "net_null0,no-rx=1"
            role: virtual
            mac: ["\(vm1MAC)"]
          - name: vm2
            device: "net_null1,no-rx=1"
            role: virtual
            mac: ["\(vm2MAC)"]
        qos:
          rules:
            - name: voice
              match: {proto: udp, dport: 5060}
              dscp: \(voiceDSCP)
        paths:
          - dscp: [CS7]
            drop: true
        """
    }

    func telemetry(_ prefix: String, _ command: String) throws -> [String: Any] {
        let result = try withSignalsUnblocked {
            try Harness.run("/bin/sh", ["-c", "echo '\(command)' | dpdk-telemetry.py -f \(prefix)"])
        }
        let line = result.output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return json?[command.split(separator: ",")[0].description] as? [String: Any] ?? [:]
    }

    @Test func stockTelemetryClientReadsTheSwitch() throws {
        let harness = try Harness("telemetry")
        let vswitch = try harness.backgroundSwitch(config: try steadyConfig(harness))
        #expect(vswitch.waitFor("running"))
        harness.waitForStats("traffic", { ($0.ports["vm1"]?.tx ?? 0) > 1000 })
        let ports = try telemetry(harness.prefix, "/vmswitch/ports")
        let vm1 = ports["vm1"] as? [String: Any]
        #expect((vm1?["tx"] as? Int ?? 0) > 1000)
        #expect(vm1?["link"] as? String == "up" && vm1?["lcore"] as? Int == 1 && vm1?["device"] as? String == "net_null0")
        let port = try telemetry(harness.prefix, "/vmswitch/port,vm1")
        #expect(((port["dscp_out"] as? [Int]) ?? [])[46] > 0)
        let qos = try telemetry(harness.prefix, "/vmswitch/qos")
        #expect((qos["rewritten"] as? Int ?? 0) > 0 && qos["policy_version"] as? Int == 1)
        #expect((qos["rules"] as? [String: String])?["r0"]?.hasPrefix("voice EF enforce") == true)
        let paths = try telemetry(harness.prefix, "/vmswitch/paths")
        #expect((paths["path1"] as? String)?.hasPrefix("dscp CS7 -> drop frames") == true)
        let config = try telemetry(harness.prefix, "/vmswitch/config")
        #expect(config["version"] as? Int == 1 && (config["file"] as? String ?? "").hasSuffix("vmswitch.yaml"))
        // The hardware-offload fallback: net_pcap has no rte_flow, so the rule stays in software.
        let offload = try telemetry(harness.prefix, "/vmswitch/offload")
        #expect(((offload["uplink"] as? [String]) ?? []).first?.hasPrefix("voice: software: the driver refused") == true)
        // vmswitch's own clients read the same socket.
        let stats = try Harness.run(Harness.binary, ["stats", "--file-prefix", harness.prefix])
        #expect(stats.status == 0 && stats.output.contains("voice") && stats.output.contains("vm1"))
        let audit = try Harness.run(Harness.binary, ["audit", "--file-prefix", harness.prefix, "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(audit.output.utf8)) as? [String: Any]
        let uplink = (report?["ports"] as? [[String: Any]])?.first { $0["name"] as? String == "uplink" }
        #expect((uplink?["inconsistent"] as? Int ?? 0) > 0)
        #expect(vswitch.interrupt() == 0)
        #expect(harness.leftDPDKFiles.isEmpty)
    }

    @Test func dumpcapCapturesAPortForTshark() throws {
        let harness = try Harness("capture")
        let vswitch = try harness.backgroundSwitch(config: try steadyConfig(harness))
        #expect(vswitch.waitFor("running"))
        let capture = harness.path("vm1.pcapng")
        let dumpcap = try withSignalsUnblocked {
            try Harness.run("/usr/bin/dpdk-dumpcap", ["--file-prefix=\(harness.prefix)", "-i", "net_null0", "-c", "50",
                                                      "-w", capture, "-q"], timeout: 30)
        }
        #expect(dumpcap.status == 0, "\(dumpcap.output)\n\(dumpcap.error)")
        #expect(vswitch.interrupt() == 0)
        let tshark = try Harness.run("/usr/bin/tshark", ["-r", capture, "-T", "fields", "-e", "ip.dsfield.dscp",
                                                         "-e", "udp.dstport"])
        let rows = tshark.output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count >= 50)  // dumpcap stops at a burst boundary past -c
        #expect(rows.allSatisfy { $0 == ["46", "5060"] }, "\(rows.prefix(3))")
    }

    @Test func reloadFlipsThePolicyAtOnePointAndLosesNothing() throws {
        let harness = try Harness("reload")
        let vswitch = try harness.backgroundSwitch(config: try steadyConfig(harness))
        #expect(vswitch.waitFor("running"))
        harness.waitForStats("EF traffic", { ($0.ports["vm1"]?.dscp_out[46] ?? 0) > 10_000 })
        // An invalid configuration is refused, and the old policy keeps running.
        try (try steadyConfig(harness) + "\n    - bogus\n").write(toFile: harness.path("vmswitch.yaml"), atomically: true, encoding: .utf8)
        let refused = try Harness.run(Harness.binary, ["reload", "--file-prefix", harness.prefix])
        #expect(refused.status == 1 && refused.output.contains("refused"), "\(refused.output)")
        #expect(refused.output.contains("policy version 1 stays in force"), "\(refused.output)")
        #expect(vswitch.waitFor("YAML syntax error"))
        // So is a path to a TX queue the workers were not given at start (they have one per port
        // here): its frames would land in another port's TX buffer.
        try (try steadyConfig(harness) + "\n  - dscp: [EF]\n    to: vm1\n    queue: 1\n")
            .write(toFile: harness.path("vmswitch.yaml"), atomically: true, encoding: .utf8)
        let queued = try Harness.run(Harness.binary, ["reload", "--file-prefix", harness.prefix])
        #expect(queued.status == 1 && queued.output.contains("paths entry 2 sends to queue 1 of port vm1"), "\(queued.output)")
        #expect(queued.output.contains("policy version 1 stays in force"), "\(queued.output)")
        #expect(vswitch.waitFor("which has 1 TX queue per worker since the start: restart vmswitch to use it"))
        // A valid one takes over at a burst boundary: once the reload answers, no worker uses the old one.
        try steadyConfig(harness, voiceDSCP: "AF11").write(toFile: harness.path("vmswitch.yaml"), atomically: true, encoding: .utf8)
        let reloaded = try Harness.run(Harness.binary, ["reload", "--file-prefix", harness.prefix])
        #expect(reloaded.status == 0 && reloaded.output.contains("policy version 2"))
        // Any snapshot of version 2 was taken after every worker had switched.
        guard let atReload = harness.waitForStats("policy version 2", { $0.policy_version == 2 }) else { return }
        let later = harness.waitForStats("AF11 traffic", { ($0.ports["vm1"]?.dscp_out[10] ?? 0) > (atReload.ports["vm1"]?.dscp_out[10] ?? 0) + 10_000 })
        #expect(later?.ports["vm1"]?.dscp_out[46] == atReload.ports["vm1"]?.dscp_out[46], "EF frames after the reload")
        #expect(vswitch.interrupt() == 0)
        let final = try harness.stats()
        let vm1 = final.ports["vm1"]!
        #expect(vm1.dscp_out[46] + vm1.dscp_out[10] == vm1.tx, "a frame left with another DSCP")
        #expect(final.ports["uplink"]!.rx == vm1.tx + final.ports["vm2"]!.tx && vm1.dropped == 0)
        #expect(vswitch.output.contains("reload of") && vswitch.output.contains("policy version 2 in force"))
    }
}
