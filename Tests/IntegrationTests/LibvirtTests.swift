import Foundation
import Testing

/// Two real Linux guests run by libvirtd (`virsh define`/`start`) on vmswitch's vhost-user ports
/// (one server-mode, one client-mode socket) ping each other with the policy's per-direction
/// DSCP; then each guest is `virsh destroy`ed and started again and the traffic resumes. The
/// scenario is a script (Tests/Libvirt) so it can also be run by hand; it skips where libvirtd or
/// QEMU cannot run.
@Suite(.serialized) struct LibvirtTests {
    static let script = Harness.testsDirectory + "/Libvirt/run-libvirt-guests.sh"

    @Test func libvirtGuestsPingThroughThePolicyAndSurviveARestart() throws {
        guard let result = try Harness.runScenario(LibvirtTests.script, binary: Harness.binary, name: "libvirt",
                                                   timeout: 600) else { return }
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(result.output.contains("GUEST_PING_OK"))
        #expect(result.output.contains("PASS: two libvirt guests"))
    }
}
