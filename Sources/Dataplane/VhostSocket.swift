#if canImport(Glibc)
import Glibc
#endif

/// The filesystem side of a vhost-user server socket: vmswitch creates it, so it checks the
/// directory first, clears a stale socket left by a crashed run (and refuses one a live process
/// serves), and gives the socket its mode and owner once the vhost library has created it.
enum VhostSocket {
    static func prepare(path: String, port: String) throws {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        var info = stat()
        guard stat(directory.isEmpty ? "/" : directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw SwitchError("port \(port): the socket directory \(directory) does not exist")
        }
        guard access(directory.isEmpty ? "/" : directory, W_OK | X_OK) == 0 else {
            throw SwitchError("port \(port): the socket directory \(directory) is not writable")
        }
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SwitchError("port \(port): \(path) exists and is not a socket")
        }
        if isServed(path) {
            throw SwitchError("port \(port): \(path) is in use by a live process")
        }
        guard unlink(path) == 0 else {
            throw SwitchError("port \(port): cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether something accepts connections on the socket.
    static func isServed(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// Mode 0660 and the configured owner/group, once the socket exists.
    static func secure(path: String, port: String, owner: UInt32?, group: UInt32?) throws {
        guard chmod(path, 0o660) == 0 else {
            throw SwitchError("port \(port): cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
        if owner != nil || group != nil {
            guard chown(path, owner ?? UInt32.max, group ?? UInt32.max) == 0 else {
                throw SwitchError("port \(port): cannot change the owner of \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
