import Foundation
import Testing
import Traffic
import VMSwitchCore

/// A guest that lies gets exactly the policy's treatment, and every such frame is counted.
@Suite(.serialized) struct LyingGuestTests {
    @Test func markingSpoofingAndSelfAddressedFrames() throws {
        let harness = try Harness("lying")
        let claimsEF = frame4(vm1MAC, vm2MAC, dport: 80, dscp: 46)            // marks itself EF
        let spoofsVM2 = frame4(vm2MAC, routerMAC, dport: 81, dscp: 46)        // uses VM2's static MAC
        let toItself = frame4(vm1MAC, vm1MAC, dport: 82, dscp: 0)             // to its own static MAC
        // After the spoofs, frames to VM2's MAC: had the spoof been learned, they would hairpin.
        let toVM2 = frame4(vm1MAC, vm2MAC, dport: 83, dscp: 0)
        try PcapFile.write(Array(repeating: claimsEF.build(), count: 5) + Array(repeating: spoofsVM2.build(), count: 4)
                           + Array(repeating: toVM2.build(), count: 2) + Array(repeating: toItself.build(), count: 3),
                           to: harness.path("vm1-in.pcap"))
        try PcapFile.write([], to: harness.path("vm2-in.pcap"))
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        let (_, stats) = try harness.runSwitch(config: PipelineTests().ports(harness) + """

        qos:
          rules:
            - name: vm1-default
              match: {from: vm1}
              dscp: BE
        """)
        // EF claimed by VM1 is rewritten to what the policy assigns VM1: BE.
        #expect(try harness.pcap("vm2-out.pcap").filter { $0 == claimsEF.with(dscp: 0).build() }.count == 5)
        #expect(stats.rules["vm1-default"].map { [$0.matched, $0.rewritten] } == [14, 9])
        // The spoofed source is counted, not learned, and dropped (`spoofed`).
        #expect(stats.mac.spoofed_source == 4)
        #expect(stats.ports["vm1"]?.drops["spoofed"] == 4)
        #expect(try harness.pcap("uplink-out.pcap").isEmpty)
        // Frames to VM2's MAC still reach VM2: the static entry was never overridden.
        #expect(try harness.pcap("vm2-out.pcap").filter { $0 == toVM2.build() }.count == 2)
        #expect(try harness.pcap("vm1-out.pcap").isEmpty)
        // A frame to its own MAC would leave by its ingress port: dropped as hairpin, counted.
        #expect(stats.ports["vm1"]?.drops["hairpin"] == 3)
    }
}
