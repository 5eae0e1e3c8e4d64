#if canImport(Glibc)
import Glibc
#endif

/// What a DPDK primary process leaves on disk after `rte_eal_cleanup`: its runtime directory
/// (`/var/run/dpdk/PREFIX`) and its hugepage files (`PREFIX` + `map_*` in each hugetlbfs mount).
/// vmswitch removes both when it stops, so a stopped switch leaves nothing behind.
enum EALResidue {
    static func remove(runtimeDirectory: String) {
        guard let prefix = runtimeDirectory.split(separator: "/").last.map(String.init), !prefix.isEmpty else { return }
        for mount in hugetlbfsMounts() {
            for name in entries(of: mount) where name.hasPrefix(prefix + "map_") {
                unlink(mount + "/" + name)
            }
        }
        for name in entries(of: runtimeDirectory) { unlink(runtimeDirectory + "/" + name) }
        rmdir(runtimeDirectory)
    }

    static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func hugetlbfsMounts() -> [String] {
        guard let file = fopen("/proc/mounts", "r") else { return [] }
        defer { fclose(file) }
        var mounts: [String] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .split(separator: " ")
            if fields.count > 2 && fields[2] == "hugetlbfs" { mounts.append(String(fields[1])) }
        }
        return mounts
    }
}
