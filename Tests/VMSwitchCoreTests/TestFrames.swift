import Traffic
import VMSwitchCore

let macA = MACAddress(parsing: "52:54:00:00:00:0a")!
let macB = MACAddress(parsing: "52:54:00:00:00:0b")!

func v4Frame(src: String = "10.0.0.1", dst: String = "10.0.1.2", dscp: UInt8 = 0, ecn: UInt8 = 0,
             proto: UInt8 = IPProtocol.udp, sport: UInt16 = 1234, dport: UInt16 = 5060,
             tags: [(UInt16, UInt16)] = [], options: [UInt8] = []) -> FrameBuilder {
    var builder = FrameBuilder(dstMAC: macB, srcMAC: macA,
                               network: .ipv4(src: ipv4Address(src), dst: ipv4Address(dst), options: options))
    builder.dscp = dscp
    builder.ecn = ecn
    builder.proto = proto
    builder.sport = sport
    builder.dport = dport
    builder.tags = tags.map { (tpid: $0.0, tci: $0.1) }
    return builder
}

func v6Frame(src: String = "2001:db8::1", dst: String = "2001:db8:1::2", dscp: UInt8 = 0,
             ecn: UInt8 = 0, proto: UInt8 = IPProtocol.udp, sport: UInt16 = 1234, dport: UInt16 = 5060,
             extensions: [FrameBuilder.IPv6Extension] = [], flowLabel: UInt32 = 0) -> FrameBuilder {
    var builder = FrameBuilder(dstMAC: macB, srcMAC: macA,
                               network: .ipv6(src: ipv6Address(src), dst: ipv6Address(dst), extensions: extensions,
                                              flowLabel: flowLabel))
    builder.dscp = dscp
    builder.ecn = ecn
    builder.proto = proto
    builder.sport = sport
    builder.dport = dport
    return builder
}

func parse(_ bytes: [UInt8]) -> ParsedFrame {
    bytes.withUnsafeBytes { parseFrame($0.baseAddress!, length: $0.count) }
}

/// Runs the whole per-frame decision on a copy of `bytes`; returns the verdict and the bytes after.
func decide(_ bytes: [UInt8], ingress: Int, policy: CompiledPolicy, learned: MACTable) -> (Verdict, [UInt8]) {
    var copy = bytes
    let verdict = copy.withUnsafeMutableBytes {
        var memo = MACMemo()
        return decideFrame($0.baseAddress!, length: $0.count, ingress: ingress, policy: policy.image, learned: learned,
                           memo: &memo)
    }
    return (verdict, copy)
}

/// A learned-MAC table on the heap for one test.
final class LearnedTable {
    let memory: UnsafeMutableRawPointer
    let table: MACTable

    init(capacity: Int = 64) {
        memory = .allocate(byteCount: MACTable.byteCount(capacity: capacity), alignment: 64)
        table = MACTable(memory: memory, capacity: capacity)
    }

    deinit { memory.deallocate() }
}

func ports(_ names: String...) -> [PortSpec] {
    names.map { PortSpec(name: $0, role: .virtual, backend: .device("net_null_\($0)")) }
}
