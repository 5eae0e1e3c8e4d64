#if canImport(Glibc)
import Glibc
#endif

/// User and group names (or numbers) to ids, for vhost socket ownership.
enum SystemIDs {
    static func user(_ name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        return getpwnam(name).map { $0.pointee.pw_uid }
    }

    static func group(_ name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        return getgrnam(name).map { $0.pointee.gr_gid }
    }
}
