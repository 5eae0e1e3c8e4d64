import Foundation
import Testing
import Traffic
import VMSwitchCore
import Dataplane

/// VMs on vhost-user ports, played by DPDK's virtio-user driver in dpdk-testpmd (the same
/// vhost-user protocol QEMU's virtio-net speaks).
@Suite(.serialized) struct VhostTests {
    func config(_ harness: Harness, vm2Client: Bool = false) -> String {
        """
        ports:
          - name: uplink
            device: "\(harness.pcapDevice(0, "uplink"))"
            mac: ["\(routerMAC)"]
          - name: vm1
            vhost: \(harness.path("vm1.sock"))
            mac: ["\(vm1MAC)"]
          - name: vm2
            vhost: \(harness.path("vm2.sock"))
            vhost-client: \(vm2Client)
            mac: ["\(vm2MAC)"]
        qos:
          rules:
            - name: voice
              match: {from: vm1, proto: udp, dport: 5060-5080}
              dscp: EF
        """
    }

    /// What VM1 sends: voice to rewrite, voice already marked, a broadcast, other UDP to the uplink.
    func vm1Traffic() -> (frames: [[UInt8]], toVM2: [[UInt8]], toUplink: [[UInt8]]) {
        var frames: [[UInt8]] = []
        var toVM2: [[UInt8]] = []
        var toUplink: [[UInt8]] = []
        for index in 0..<10 {
            let voice = frame4(vm1MAC, vm2MAC, dport: 5060, dscp: 0, ecn: UInt8(index % 4), payload: 18 + index * 37)
            frames.append(voice.build())
            toVM2.append(voice.with(dscp: 46).build())
            let marked = frame4(vm1MAC, vm2MAC, dport: 5062, dscp: 46, payload: 400)
            frames.append(marked.build())
            toVM2.append(marked.build())
        }
        let arp = FrameBuilder(dstMAC: .broadcast, srcMAC: vm1MAC,
                               network: .other(etherType: 0x0806, payload: [UInt8](repeating: 3, count: 28))).build()
        frames.append(arp)
        toVM2.append(arp)
        toUplink.append(arp)
        for _ in 0..<5 {
            let other = frame4(vm1MAC, routerMAC, to: "192.0.2.1", dport: 9, dscp: 10).build()
            frames.append(other)
            toUplink.append(other)
        }
        return (frames, toVM2, toUplink)
    }

    @Test func framesCrossBetweenStandInVMsPerPolicy() throws {
        let harness = try Harness("vhost")
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        let traffic = vm1Traffic()
        try PcapFile.write(traffic.frames, to: harness.path("vm1-send.pcap"))
        let vswitch = try harness.backgroundSwitch(config: config(harness))
        #expect(vswitch.waitFor("running"))
        var info = stat()
        #expect(stat(harness.path("vm1.sock"), &info) == 0 && info.st_mode & 0o777 == 0o660)
        let vm2 = try harness.standInVM("vm2", socket: harness.path("vm2.sock"), txPcap: harness.path("vm2-got.pcap"))
        #expect(vswitch.waitFor("port vm2: link up"))
        let vm1 = try harness.standInVM("vm1", socket: harness.path("vm1.sock"), rxPcap: harness.path("vm1-send.pcap"),
                                        txPcap: harness.path("vm1-got.pcap"))
        harness.waitForStats("VM1's frames through", { $0.ports["vm1"]?.rx == UInt64(traffic.frames.count)
                                                        && $0.ports["vm2"]?.tx == UInt64(traffic.toVM2.count) })
        vm1.interrupt()
        vm2.interrupt()
        #expect(vswitch.interrupt() == 0)
        #expect(try harness.pcap("vm2-got.pcap") == traffic.toVM2)
        #expect(try harness.pcap("uplink-out.pcap") == traffic.toUplink)
        #expect(try harness.pcap("vm1-got.pcap").isEmpty)
        let stats = try harness.stats()
        #expect(stats.rules["voice"]?.rewritten == 10 && stats.rules["voice"]?.verified == 10)
        #expect(stats.ports["vm2"]?.dscp_out[46] == 20)
        #expect(!FileManager.default.fileExists(atPath: harness.path("vm1.sock")))
        #expect(harness.leftDPDKFiles.isEmpty)
    }

    /// The uplink replays two frames forever (one to each VM) while the VMs come and go: VM2 is a
    /// client-mode port (its "QEMU" serves the socket; vmswitch reconnects), VM1 a server-mode one.
    @Test func vmsReconnectWhileOtherTrafficFlows() throws {
        let harness = try Harness("reconnect")
        try PcapFile.write([frame4(routerMAC, vm1MAC, dport: 1).build(), frame4(routerMAC, vm2MAC, dport: 2).build()],
                           to: harness.path("steady.pcap"))
        var ports = config(harness, vm2Client: true)
        ports = ports.replacingOccurrences(of: harness.pcapDevice(0, "uplink"),
                                           with: "net_pcap0,rx_pcap=\(harness.path("steady.pcap")),infinite_rx=1")
        // A virtio-user server waits for its backend before it finishes starting: wait for its socket.
        var vm2 = try harness.standInVM("vm2", socket: harness.path("vm2.sock"), server: true)
        #expect(harness.waitForFile(harness.path("vm2.sock")))
        let vswitch = try harness.backgroundSwitch(config: ports)
        #expect(vswitch.waitFor("port vm2: link up"))
        var vm1 = try harness.standInVM("vm1", socket: harness.path("vm1.sock"))
        #expect(vswitch.waitFor("port vm1: link up"))
        let before = harness.waitForStats("both VMs receiving", { ($0.ports["vm1"]?.tx ?? 0) > 0 && ($0.ports["vm2"]?.tx ?? 0) > 0 })

        // VM2 crashes: its frames are counted as link_down; VM1 keeps receiving.
        vm2.kill()
        #expect(vswitch.waitFor("port vm2: link down"))
        let down = harness.waitForStats("link_down drops for vm2 and more for vm1", { stats in
            (stats.ports["vm2"]?.drops["link_down"] ?? 0) > 1000 && stats.ports["vm2"]?.link == "down"
                && (stats.ports["vm1"]?.tx ?? 0) > (before?.ports["vm1"]?.tx ?? 0) + 1000
        })
        // VM2 comes back on the same socket path: vmswitch reconnects by itself.
        try? FileManager.default.removeItem(atPath: harness.path("vm2.sock"))
        vm2 = try harness.standInVM("vm2-again", socket: harness.path("vm2.sock"), server: true)
        #expect(vswitch.waitFor("port vm2: link up", count: 2, timeout: 60))
        harness.waitForStats("vm2 receiving again", { ($0.ports["vm2"]?.tx ?? 0) > (down?.ports["vm2"]?.tx ?? 0) + 1000 })

        // VM1 (server-mode port) disconnects cleanly and reconnects.
        vm1.interrupt()
        #expect(vswitch.waitFor("port vm1: link down"))
        let vm1Gone = harness.waitForStats("vm2 still receiving", { ($0.ports["vm2"]?.tx ?? 0) > 0 })
        vm1 = try harness.standInVM("vm1-again", socket: harness.path("vm1.sock"))
        #expect(vswitch.waitFor("port vm1: link up", count: 2))
        harness.waitForStats("vm1 receiving again", { ($0.ports["vm1"]?.tx ?? 0) > (vm1Gone?.ports["vm1"]?.tx ?? 0) + 1000 })

        vm1.interrupt()
        vm2.interrupt()
        #expect(vswitch.interrupt() == 0)
        let final = try harness.stats()
        #expect(final.ports["uplink"]!.rx > 0)
        // Nothing leaked: every mbuf is back in the pool once the ports are idle... and the switch
        // ran to the end without a restart.
        #expect(!vswitch.output.contains("error"))
    }

    /// Two workers: the placement function's split, and frames crossing from one worker's port to
    /// the other's through the TX handoff ring (a vhost port with one queue pair).
    @Test func twoWorkersSplitThePortsAsPlaced() throws {
        let harness = try Harness("workers")
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        let traffic = vm1Traffic()
        try PcapFile.write(traffic.frames, to: harness.path("vm1-send.pcap"))
        let eal = ["--file-prefix", harness.prefix, "-m", "256", "--lcores", "0@0,1@1,2@1"]
        let vswitch = try harness.backgroundSwitch(config: config(harness), eal: eal)
        #expect(vswitch.waitFor("running"))
        let expected = Placement(workers: [Placement.Worker(lcore: 1, node: 0), Placement.Worker(lcore: 2, node: 0)],
                                 queues: (0..<3).map { Placement.Queue(port: $0, queue: 0, node: $0 == 0 ? nil : nil) },
                                 portNames: ["uplink", "vm1", "vm2"])
        let lcoreOf = { (port: Int) in expected.workers[expected.worker(port: port, queue: 0)].lcore }
        #expect(vswitch.output.contains("lcore 1 (node 0): uplink q0 [node ?], vm2 q0 [node ?]"))
        #expect(vswitch.output.contains("lcore 2 (node 0): vm1 q0 [node ?]"))
        let vm2 = try harness.standInVM("vm2", socket: harness.path("vm2.sock"), txPcap: harness.path("vm2-got.pcap"))
        #expect(vswitch.waitFor("port vm2: link up"))
        let vm1 = try harness.standInVM("vm1", socket: harness.path("vm1.sock"), rxPcap: harness.path("vm1-send.pcap"))
        let stats = harness.waitForStats("VM1's frames through", { $0.ports["vm2"]?.tx == UInt64(traffic.toVM2.count) })
        #expect(stats?.ports["uplink"]?.lcore == lcoreOf(0))
        #expect(stats?.ports["vm1"]?.lcore == lcoreOf(1) && lcoreOf(1) == 2)
        #expect(stats?.ports["vm2"]?.lcore == lcoreOf(2) && lcoreOf(2) == 1)
        vm1.interrupt()
        vm2.interrupt()
        #expect(vswitch.interrupt() == 0)
        #expect(try harness.pcap("vm2-got.pcap") == traffic.toVM2)
        #expect(try harness.pcap("uplink-out.pcap") == traffic.toUplink)
    }
}
