import Foundation
import Testing
import Traffic

/// vmswitch under a service manager: systemd's notify protocol (as a `Type=notify` unit sees it,
/// through a stand-in NOTIFY_SOCKET) and syslog priorities on its lines for the journal.
@Suite(.serialized) struct ServiceTests {
    /// A datagram socket where the switch's sd_notify messages arrive.
    final class NotifySocket {
        let fd: Int32
        let path: String

        init(path: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// Messages received so far, waiting up to `timeout` for one containing `text`.
        func waitFor(_ text: String, in messages: inout [String], timeout: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 {
                    let message = String(decoding: buffer[0..<count], as: UTF8.self)
                    messages.append(message)
                    if message.contains(text) { return true }
                } else {
                    usleep(20_000)
                }
            }
            return false
        }
    }

    @Test func notifiesReadinessReloadAndStopAndMarksPriorities() throws {
        let harness = try Harness("service")
        try PcapFile.write([], to: harness.path("uplink-in.pcap"))
        let notify = try NotifySocket(path: harness.path("notify.sock"))
        let config = """
            ports:
              - name: uplink
                device: "\(harness.pcapDevice(0, "uplink"))"
            """
        let vswitch = try harness.backgroundSwitch(config: config, environment: [
            "NOTIFY_SOCKET": notify.path, "JOURNAL_STREAM": "8:12345",
        ])
        var messages: [String] = []
        #expect(notify.waitFor("READY=1", in: &messages), "no READY=1: \(messages)\n\(vswitch.output)")
        #expect(vswitch.output.contains("<6>vmswitch: running 0 rules"))
        #expect(messages.first { $0.contains("READY=1") }?.contains("STATUS=running policy version 1") == true)
        // A broken file: the reload is refused (an error for the journal), and the switch is ready again.
        _ = try harness.write(config: "ports: [")
        kill(vswitch.process.processIdentifier, SIGHUP)
        #expect(notify.waitFor("RELOADING=1", in: &messages), "\(messages)")
        #expect(notify.waitFor("READY=1", in: &messages), "\(messages)")
        #expect(vswitch.waitFor("<3>vmswitch: reload of"))
        #expect(vswitch.interrupt() == 0)
        #expect(notify.waitFor("STOPPING=1", in: &messages), "\(messages)")
        #expect(harness.leftDPDKFiles.isEmpty)
    }

    /// The unit files in the tree pass `systemd-analyze verify` (with ExecStart pointing at the
    /// built binary: verify insists the program exists). The package test verifies them installed.
    @Test(arguments: ["vmswitch.service", "vmswitch.vmswitch-exporter.service"])
    func theUnitFileVerifies(_ name: String) throws {
        let harness = try Harness("unit")
        let source = URL(fileURLWithPath: Harness.testsDirectory).deletingLastPathComponent()
            .appendingPathComponent("debian/\(name)").path
        let unit = try String(contentsOfFile: source, encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/vmswitch "))
        // debian/PACKAGE.UNIT.service installs as UNIT.service.
        let file = harness.path(name.split(separator: ".").suffix(2).joined(separator: "."))
        try unit.replacingOccurrences(of: "/usr/bin/vmswitch", with: Harness.binary).write(toFile: file, atomically: true,
                                                                                            encoding: .utf8)
        // The man page (Documentation=) is checked where the package installed it.
        let result = try Harness.run("/usr/bin/systemd-analyze", ["verify", "--man=no", file])
        #expect(result.status == 0 && result.error.isEmpty && result.output.isEmpty,
                "systemd-analyze verify: \(result.status)\n\(result.output)\n\(result.error)")
    }
}
