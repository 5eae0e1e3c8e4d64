import Foundation
import Testing

/// Two real Linux guests under QEMU on vmswitch's vhost-user ports (one server-mode, one
/// client-mode socket) ping each other, and the policy's per-direction DSCP shows in what each
/// guest received. The scenario is a script (Tests/RealGuests) so it can also be run by hand.
@Suite(.serialized) struct RealGuestTests {
    static let script = Harness.testsDirectory + "/RealGuests/run-real-guests.sh"

    @Test func twoGuestsPingThroughThePolicy() throws {
        guard let result = try Harness.runScenario(RealGuestTests.script, binary: Harness.binary, name: "guests",
                                                   timeout: 300) else { return }
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(result.output.contains("GUEST_PING_OK"))
        #expect(result.output.contains("PASS: two real guests"))
    }
}
