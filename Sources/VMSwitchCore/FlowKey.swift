import CoreSupport

/// The fields classification depends on, packed into six words. Address words hold the raw
/// header bytes (equality is all a key needs). `meta` holds the ingress port (bits 0-15), DSCP
/// (16-23), VLAN (24-39), protocol (40-55) and kind (56-63); `ports` the source port (0-31) and
/// the destination port (32-63). `packMeta` and `packPorts` pack them; the accessors below read
/// them back.
public struct FlowKey: BitwiseCopyable {
    public var meta: UInt64
    public var ports: UInt64
    public var a0: UInt64
    public var a1: UInt64
    public var a2: UInt64
    public var a3: UInt64

    @inlinable @inline(__always)
    public init(_ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int) {
        meta = FlowKey.packMeta(ingress: ingress, dscp: parsed.dscp, vlan: UInt64(parsed.vlan), proto: UInt64(parsed.proto),
                                kind: parsed.kind)
        ports = FlowKey.packPorts(UInt64(parsed.sport), UInt64(parsed.dport))
        if parsed.kind == .ipv4 {
            a0 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 12, as: UInt64.self)
            a1 = 0
            a2 = 0
            a3 = 0
        } else {
            a0 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 8, as: UInt64.self)
            a1 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 16, as: UInt64.self)
            a2 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 24, as: UInt64.self)
            a3 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 32, as: UInt64.self)
        }
    }

    @inlinable @inline(__always)
    static func packMeta(ingress: Int, dscp: UInt8, vlan: UInt64, proto: UInt64, kind: ParsedFrame.Kind) -> UInt64 {
        UInt64(truncatingIfNeeded: ingress) | UInt64(dscp) << 16 | vlan << 24 | proto << 40 | UInt64(kind.rawValue) << 56
    }

    @inlinable @inline(__always)
    static func packPorts(_ source: UInt64, _ destination: UInt64) -> UInt64 { source | destination << 32 }

    @inlinable @inline(__always)
    public func matches(_ other: FlowKey) -> Bool {
        (meta ^ other.meta) | (ports ^ other.ports) | (a0 ^ other.a0) | (a1 ^ other.a1) | (a2 ^ other.a2)
            | (a3 ^ other.a3) == 0
    }

    /// CRC32-C over the words in two independent chains (so their latencies overlap), each over
    /// every word: the low half picks the first slot, the high half the second.
    @inlinable @inline(__always)
    public var hash: UInt64 {
        let low = core_crc32_u64(core_crc32_u64(core_crc32_u64(0x1234_5678, meta), ports), a0)
        let high = core_crc32_u64(core_crc32_u64(core_crc32_u64(0x9ABC_DEF0, a1 ^ ports), a2 ^ a0), a3 ^ meta)
        return low | high << 32
    }
}

extension FlowKey {
    init(meta: UInt64, ports: UInt64, a0: UInt64, a1: UInt64, a2: UInt64, a3: UInt64) {
        self.meta = meta
        self.ports = ports
        self.a0 = a0
        self.a1 = a1
        self.a2 = a2
        self.a3 = a3
    }
}

extension FlowKey {
    /// The fields as the classifier reads them (the key holds every one it matches on).
    @inlinable public var isIPv6: Bool { meta >> 56 == UInt64(ParsedFrame.Kind.ipv6.rawValue) }
    @inlinable public var dscp: Int { Int(truncatingIfNeeded: meta >> 16) & 0xFF }
    @inlinable public var vlan: Int { Int(truncatingIfNeeded: meta >> 24) & 0xFFFF }
    @inlinable public var proto: Int { Int(truncatingIfNeeded: meta >> 40) & 0xFFFF }
    @inlinable public var sport: Int { Int(truncatingIfNeeded: ports) & 0xFFFF_FFFF }
    @inlinable public var dport: Int { Int(truncatingIfNeeded: ports >> 32) }
    /// The addresses as numbers (first byte highest).
    @inlinable public var ipv4Source: UInt32 { UInt32(bigEndian: UInt32(truncatingIfNeeded: a0)) }
    @inlinable public var ipv4Destination: UInt32 { UInt32(bigEndian: UInt32(truncatingIfNeeded: a0 >> 32)) }
    @inlinable public var ipv6Source: UInt128 { UInt128(UInt64(bigEndian: a0)) << 64 | UInt128(UInt64(bigEndian: a1)) }
    @inlinable public var ipv6Destination: UInt128 { UInt128(UInt64(bigEndian: a2)) << 64 | UInt128(UInt64(bigEndian: a3)) }
}
