import Foundation
import Testing

/// The server socket's life on disk: a stale file from a crashed run is replaced, a socket a live
/// process serves is refused, a missing directory is refused, all before any VM connects.
@Suite(.serialized) struct VhostSocketTests {
    /// A unix socket bound at `path`; listening (a live server) or closed at once (stale).
    func makeSocket(_ path: String, listening: Bool) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if listening {
            listen(fd, 1)
            return fd
        }
        close(fd)
        return -1
    }

    func config(_ socket: String) -> String {
        "ports:\n  - {name: uplink, device: net_null0}\n  - {name: vm1, vhost: \(socket)}\n"
    }

    @Test func staleSocketIsReplaced() throws {
        let harness = try Harness("stale")
        _ = makeSocket(harness.path("vm1.sock"), listening: false)
        #expect(FileManager.default.fileExists(atPath: harness.path("vm1.sock")))
        let (result, _) = try harness.runSwitch(config: config(harness.path("vm1.sock")), extra: ["--duration", "1"])
        #expect(result.output.contains("port vm1: link down"))
        #expect(!FileManager.default.fileExists(atPath: harness.path("vm1.sock")))
    }

    @Test func liveSocketIsRefused() throws {
        let harness = try Harness("live")
        let fd = makeSocket(harness.path("vm1.sock"), listening: true)
        defer { close(fd) }
        let file = try harness.write(config: config(harness.path("vm1.sock")))
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--duration", "1", "--"] + harness.eal)
        #expect(result.status == 2)
        #expect(result.error.contains("port vm1: \(harness.path("vm1.sock")) is in use by a live process"))
        #expect(harness.leftDPDKFiles.isEmpty)
    }

    @Test func missingDirectoryIsRefused() throws {
        let harness = try Harness("nodir")
        let file = try harness.write(config: config(harness.path("absent/vm1.sock")))
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--duration", "1", "--"] + harness.eal)
        #expect(result.status == 2)
        #expect(result.error.contains("port vm1: the socket directory \(harness.path("absent")) does not exist"))
        #expect(harness.leftDPDKFiles.isEmpty)
    }
}
