import Foundation
import Testing
import Traffic

/// Configurations that parse but that DPDK or the host refuses at start: a clear one-line error
/// naming the port, exit status 2, and nothing left behind.
@Suite(.serialized) struct RunTimeRefusalTests {
    func refuse(_ name: String, _ config: (Harness) -> String, expecting fragment: (Harness) -> String) throws {
        let harness = try Harness(name)
        let file = try harness.write(config: config(harness))
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--duration", "1", "--"] + harness.eal)
        #expect(result.status == 2, "\(result.output)\n\(result.error)")
        let errors = result.error.split(separator: "\n").filter { $0.hasPrefix("vmswitch: error:") }
        #expect(errors.count == 1 && errors[0].contains(fragment(harness)), "\(result.error)")
        #expect(harness.leftDPDKFiles.isEmpty, "\(harness.leftDPDKFiles)")
    }

    @Test func aDeviceDPDKRejects() throws {
        try refuse("baddevice", { _ in "ports:\n  - {name: uplink, device: \"net_pcap0,rx_pcap=/nonexistent/in.pcap\"}\n" },
                   expecting: { _ in "port uplink: DPDK could not probe device \"net_pcap0,rx_pcap=/nonexistent/in.pcap\"" })
    }

    @Test func aPortThatCannotBeConfigured() throws {
        try refuse("badqueues", { harness in
            try? PcapFile.write([], to: harness.path("in.pcap"))
            return "ports:\n  - {name: uplink, queues: 2, device: \"net_pcap0,rx_pcap=\(harness.path("in.pcap"))\"}\n"
        }, expecting: { _ in "port uplink: needs 2 rx" })
    }

    @Test func anUnwritableSocketDirectory() throws {
        let harness = try Harness("readonly")
        let directory = harness.path("ro")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mounted = try Harness.run("/bin/mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", directory])
        guard mounted.status == 0 else {
            print("skipped: cannot mount a read-only tmpfs here: \(mounted.error)")
            return
        }
        defer { _ = try? Harness.run("/bin/umount", [directory]) }
        try refuse("readonly", { _ in "ports:\n  - {name: uplink, device: net_null0}\n  - {name: vm1, vhost: \(directory)/vm1.sock}\n" },
                   expecting: { _ in "port vm1: the socket directory \(directory) is not writable" })
    }

    @Test func aPoolTooSmallForTheDescriptors() throws {
        try refuse("smallpool", { _ in """
            ports:
              - {name: a, device: net_null0}
              - {name: b, device: net_null1}
            dataplane: {mbufs: 1500, rx-descriptors: 1024}
            """ }, expecting: { _ in "dataplane: mbufs 1500 is below the 2176" })
    }
}
