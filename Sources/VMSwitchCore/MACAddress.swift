/// A 48-bit Ethernet address, held in the low 48 bits of a UInt64 in wire order
/// (the first octet on the wire is the most significant).
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public let bits: UInt64

    public init(bits: UInt64) { self.bits = bits & 0xFFFF_FFFF_FFFF }

    public init(_ octets: [UInt8]) {
        precondition(octets.count == 6)
        self.init(bits: octets.reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).count == 6
            ? text.split(separator: ":", omittingEmptySubsequences: false)
            : text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard part.count == 2, let octet = UInt8(part, radix: 16) else { return nil }
            octets.append(octet)
        }
        self.init(octets)
    }

    /// Broadcast and multicast addresses have the group bit (first octet's lowest bit) set.
    public var isGroup: Bool { bits & 0x0100_0000_0000 != 0 }

    public var octets: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: bits >> (40 - 8 * $0)) } }

    public var description: String {
        octets.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    public static let broadcast = MACAddress(bits: 0xFFFF_FFFF_FFFF)

    /// The IPv6 link-local address a host forms from this MAC (modified EUI-64, RFC 4291).
    public var linkLocalIPv6: UInt128 {
        let flipped = bits ^ 0x0200_0000_0000
        let interface = (flipped >> 24) << 40 | 0xFF_FE00_0000 | (flipped & 0xFF_FFFF)
        return UInt128(0xFE80) << 112 | UInt128(interface)
    }
}
