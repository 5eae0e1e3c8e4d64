import Foundation
import Testing
import Traffic
import VMSwitchCore

/// Two stand-in VMs connect and disconnect 50 times (every other time by crashing) while the
/// uplink keeps a steady flow to a third port: the switch keeps running, the flow loses nothing
/// beyond what is counted, and the mbuf pool returns to its idle level.
@Suite(.serialized) struct ChurnTests {
    static let rounds = Int(ProcessInfo.processInfo.environment["CHURN_ROUNDS"] ?? "") ?? 50
    let vm3MAC = MACAddress(parsing: "52:54:00:00:00:03")!

    @Test func vmsComeAndGoUnderLoad() throws {
        let harness = try Harness("churn")
        try PcapFile.write([frame4(routerMAC, vm3MAC, dport: 1).build(), frame4(routerMAC, vm1MAC, dport: 2).build(),
                            frame4(routerMAC, vm2MAC, dport: 3).build()], to: harness.path("steady.pcap"))
        let vswitch = try harness.backgroundSwitch(config: """
        ports:
          - {name: uplink, device: "net_pcap0,rx_pcap=\(harness.path("steady.pcap")),infinite_rx=1", mac: ["\(routerMAC)"]}
          - {name: vm1, vhost: \(harness.path("vm1.sock")), mac: ["\(vm1MAC)"]}
          - {name: vm2, vhost: \(harness.path("vm2.sock")), mac: ["\(vm2MAC)"]}
          - {name: vm3, device: "net_null0,no-rx=1", mac: ["\(vm3MAC)"]}
        """)
        #expect(vswitch.waitFor("running"))
        guard let idle = harness.waitForStats("steady flow", { ($0.ports["vm3"]?.tx ?? 0) > 100_000 }) else { return }
        for round in 1...ChurnTests.rounds {
            let vm1 = try harness.standInVM("vm1-\(round)", socket: harness.path("vm1.sock"))
            let vm2 = try harness.standInVM("vm2-\(round)", socket: harness.path("vm2.sock"))
            #expect(vswitch.waitFor("port vm1: link up", count: round) && vswitch.waitFor("port vm2: link up", count: round))
            if round % 2 == 0 {
                vm1.kill()
                vm2.kill()
            } else {
                vm1.interrupt()
                vm2.interrupt()
            }
            #expect(vswitch.waitFor("port vm1: link down", count: round + 1)
                    && vswitch.waitFor("port vm2: link down", count: round + 1))
            #expect(vswitch.isRunning, "vmswitch stopped in round \(round)")
        }
        // Both VMs gone: the pool must be back where it was before any VM came.
        let settled = harness.waitForStats("links down", { $0.ports["vm1"]?.link == "down" && $0.ports["vm2"]?.link == "down" })
        let idleInUse = idle.pools.values.reduce(0) { $0 + $1.in_use }
        let afterInUse = settled?.pools.values.reduce(0) { $0 + $1.in_use } ?? -1
        #expect(abs(afterInUse - idleInUse) <= 64, "mbufs in use: \(idleInUse) before, \(afterInUse) after the churn")
        #expect(vswitch.interrupt() == 0)
        let final = try harness.stats()
        let uplink = final.ports["uplink"]!
        #expect(final.ports["vm3"]!.dropped == 0 && final.ports["vm3"]!.tx > idle.ports["vm3"]!.tx)
        // Each uplink frame goes to exactly one port: sent or counted there.
        let accounted = ["vm1", "vm2", "vm3"].reduce(UInt64(0)) { total, name in
            let port = final.ports[name]!
            return total + port.tx + (port.drops["tx_full"] ?? 0) + (port.drops["link_down"] ?? 0)
        }
        #expect(accounted == uplink.rx, "uplink rx \(uplink.rx), accounted \(accounted)")
        #expect(final.ports["vm1"]!.tx > 0 && final.ports["vm2"]!.tx > 0)
        #expect(!vswitch.output.contains("error"))
    }
}
