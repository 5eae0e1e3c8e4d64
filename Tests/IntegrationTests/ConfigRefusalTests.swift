import Foundation
import Testing

/// A bad configuration is refused with the file, the line and the value, before any DPDK start.
@Suite struct ConfigRefusalTests {
    @Test func runRefusesBeforeDPDKStarts() throws {
        let harness = try Harness("refuse")
        let file = try harness.write(config: """
        ports:
          - name: vm1
            device: net_null0
        qos:
          rules:
            - match: {from: vm9}
              dscp: EF
        """)
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--"] + harness.eal)
        #expect(result.status == 1)
        #expect(result.error.contains("\(file):6:"))
        #expect(result.error.contains("unknown port \"vm9\""))
        #expect(!result.output.contains("EAL") && !result.error.contains("EAL"))
    }

    @Test func checkPrintsTheCompiledPolicy() throws {
        let harness = try Harness("check")
        let file = try harness.write(config: """
        ports:
          - {name: uplink, device: net_null0, mac: ["02:00:00:00:00:fe"]}
          - {name: vm1, vhost: /tmp/vm1.sock}
        qos:
          rules:
            - {name: voice, match: {from: vm1, proto: udp, dport: 5060-5080}, dscp: EF}
          default: BE
        paths:
          - {dscp: [CS7], drop: true}
        """)
        let result = try Harness.run(Harness.binary, ["check", "--config", file])
        #expect(result.status == 0)
        #expect(result.output.contains("1 voice: from vm1 proto udp dport 5060-5080 -> dscp EF"))
        #expect(result.output.contains("default: -> dscp BE"))
        #expect(result.output.contains("1 dscp CS7 -> drop"))
        #expect(result.output.contains("vhost-user server /tmp/vm1.sock"))
    }
}
