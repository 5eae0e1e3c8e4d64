import Foundation
import Testing

/// NUMA-local service on a real two-node kernel: a QEMU guest with two nodes runs vmswitch (its
/// Swift runtime linked statically; `make test` builds it, VMSWITCH_STATIC_BIN) and two stand-in
/// VMs bound to one node each. The scenario is a script (Tests/NumaGuest) so it can run by hand.
@Suite(.serialized) struct NumaGuestTests {
    static let script = Harness.testsDirectory + "/NumaGuest/run-numa-guest.sh"

    @Test func portsFollowTheirGuestsMemory() throws {
        guard let binary = ProcessInfo.processInfo.environment["VMSWITCH_STATIC_BIN"] else {
            print("skipped: VMSWITCH_STATIC_BIN is not set (make test builds the statically linked vmswitch)")
            return
        }
        guard let result = try Harness.runScenario(NumaGuestTests.script, binary: binary, name: "numa", timeout: 900)
        else { return }
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(result.output.contains("ok   vm-a follows its guest memory to node 1, polled by lcore 3"))
        #expect(result.output.contains("ok   negative control: the report says why"))
        #expect(result.output.hasSuffix("PASS\n"))
    }
}
