import Foundation
import Testing

/// The Debian package (`make deb`) as an operator meets it: installed with apt into a throw-away
/// Debian root, booted with systemd as PID 1 in systemd-nspawn, the switch enabled, reloaded, its
/// journal read by priority, stopped, and the package purged. The scenario is a script
/// (Tests/HostService) so it can also be run by hand.
@Suite(.serialized) struct PackageTests {
    static let script = Harness.testsDirectory + "/HostService/run-package-service.sh"

    @Test func thePackageRunsUnderSystemd() throws {
        guard let deb = ProcessInfo.processInfo.environment["VMSWITCH_DEB"] else {
            print("skipped: VMSWITCH_DEB is not set (make test builds the package with make deb)")
            return
        }
        guard let result = try Harness.runScenario(PackageTests.script, binary: deb, name: "package",
                                                   timeout: 600) else { return }
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        #expect(result.output.contains("PASS: the Debian package installs"))
    }
}
