/// What one port may do on the switch beyond its QoS: how many MACs it may have learned, and
/// (with port security) which source addresses its frames may carry. Part of the compiled
/// policy, so a reload changes it at a burst boundary like the rules.
public struct PortGuard: BitwiseCopyable {
    public static let unlimited = -1
    /// Learned MACs the port may have (`PortGuard.unlimited`: no limit).
    public var macLimit: Int
    /// Only the port's own static MACs may be a frame's source (and, with `addresses`, only those
    /// may be its IP source, ARP sender or Neighbor Advertisement target).
    public var portSecurity: Bool
    /// Whether port security checks addresses (the port lists `ips`); then these are the source
    /// ranges it allows, per family.
    public var checksAddresses: Bool
    public var ipv4: UnsafePointer<IPv4Range>
    public var ipv4Count: Int
    public var ipv6: UnsafePointer<IPv6Range>
    public var ipv6Count: Int

    public init(macLimit: Int, portSecurity: Bool, checksAddresses: Bool, ipv4: UnsafePointer<IPv4Range>, ipv4Count: Int,
                ipv6: UnsafePointer<IPv6Range>, ipv6Count: Int) {
        self.macLimit = macLimit
        self.portSecurity = portSecurity
        self.checksAddresses = checksAddresses
        self.ipv4 = ipv4
        self.ipv4Count = ipv4Count
        self.ipv6 = ipv6
        self.ipv6Count = ipv6Count
    }
}

/// The addresses of one prefix, as integers of its family's width.
public struct AddressRange<Address: FixedWidthInteger & BitwiseCopyable>: BitwiseCopyable {
    public var first: Address
    public var last: Address

    public init(_ prefix: IPPrefix) {
        first = Address(truncatingIfNeeded: prefix.first)
        last = Address(truncatingIfNeeded: prefix.last)
    }

    /// Whether `address` is the unspecified address (allowed when `unspecified`) or in one of
    /// `count` ranges at `ranges`.
    @inlinable
    static func allows(_ address: Address, in ranges: UnsafePointer<AddressRange>, count: Int, unspecified: Bool) -> Bool {
        if address == 0 { return unspecified }
        var index = 0
        while index < count {
            if ranges[index].first <= address && address <= ranges[index].last { return true }
            index &+= 1
        }
        return false
    }
}

public typealias IPv4Range = AddressRange<UInt32>
public typealias IPv6Range = AddressRange<UInt128>

extension PortGuard {
    /// Whether port security lets `frame` (not malformed, from this port) through: its source MAC
    /// is one of the port's static MACs (`ownsSource`), and when the port lists addresses, its
    /// IPv4/IPv6 source, ARP sender and Neighbor Advertisement target are among them. The
    /// unspecified address (0.0.0.0, ::) is allowed as a source: DHCP and duplicate address
    /// detection send from it before a VM has an address.
    @inlinable @inline(__always)
    public func allows(_ frame: UnsafeRawPointer, length: Int, kind: ParsedFrame.Kind, l3: Int, ownsSource: Bool) -> Bool {
        guard ownsSource else { return false }
        guard checksAddresses else { return true }
        switch kind {
        case .ipv4:
            return allowsIPv4(UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: l3 &+ 12, as: UInt32.self)),
                              unspecified: true)
        case .ipv6:
            guard allowsIPv6(loadIPv6(frame, l3 &+ 8), unspecified: true) else { return false }
            let icmp = icmpv6Offset(frame, length: length, l3: l3)
            // A header chain that cannot be walked could hide a Neighbor Advertisement: refused.
            guard icmp != unwalkable else { return false }
            if icmp >= 0, icmp &+ 24 <= length, frame.load(fromByteOffset: icmp, as: UInt8.self) == neighborAdvertisement {
                return allowsIPv6(loadIPv6(frame, icmp &+ 8), unspecified: false)
            }
            return true
        case .nonIP:
            // (l3 is 0 when the VLAN tags themselves were cut short: no EtherType to read.)
            guard l3 >= 14, load16(frame, l3 &- 2) == etherTypeARP else { return true }
            // Ethernet/IPv4 ARP: the sender's protocol address is at 14; anything shorter or of
            // other address sizes cannot be checked and is refused.
            guard l3 &+ 28 <= length, load16(frame, l3 &+ 2) == EtherType.ipv4,
                  frame.load(fromByteOffset: l3 &+ 4, as: UInt8.self) == 6,
                  frame.load(fromByteOffset: l3 &+ 5, as: UInt8.self) == 4 else { return false }
            // The sender's hardware address is the frame's source (its own, checked above).
            guard loadMAC(frame, l3 &+ 8) == loadMAC(frame, 6) else { return false }
            return allowsIPv4(UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: l3 &+ 14, as: UInt32.self)),
                              unspecified: true)
        case .malformed:
            return false
        }
    }

    @inlinable var neighborAdvertisement: UInt8 { 136 }
    @inlinable var unwalkable: Int { -2 }
    @inlinable var etherTypeARP: UInt16 { 0x0806 }

    @inlinable
    func allowsIPv4(_ address: UInt32, unspecified: Bool) -> Bool {
        IPv4Range.allows(address, in: ipv4, count: ipv4Count, unspecified: unspecified)
    }

    @inlinable
    func allowsIPv6(_ address: UInt128, unspecified: Bool) -> Bool {
        IPv6Range.allows(address, in: ipv6, count: ipv6Count, unspecified: unspecified)
    }
}

@inlinable
func loadIPv6(_ frame: UnsafeRawPointer, _ offset: Int) -> UInt128 {
    let high = UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    let low = UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self))
    return UInt128(high) << 64 | UInt128(low)
}

/// Where the ICMPv6 header of an IPv6 frame starts (after its extension headers, as the parser
/// walks them): -1 when the frame is not ICMPv6 or is a later fragment, -2 when the chain cannot
/// be walked (cut short, or more than 8 extension headers).
@inlinable
func icmpv6Offset(_ frame: UnsafeRawPointer, length: Int, l3: Int) -> Int {
    var next = frame.load(fromByteOffset: l3 &+ 6, as: UInt8.self)
    var offset = l3 &+ 40
    var walked = 0
    while isExtensionHeader(next) {
        guard walked < 8, offset &+ 8 <= length else { return -2 }
        // A later fragment's payload is not a header (its first fragment was checked).
        if next == IPProtocol.fragment && load16(frame, offset &+ 2) >> 3 != 0 { return -1 }
        let size = next == IPProtocol.fragment ? 8 : (Int(frame.load(fromByteOffset: offset &+ 1, as: UInt8.self)) &+ 1) &* 8
        next = frame.load(fromByteOffset: offset, as: UInt8.self)
        offset &+= size
        walked &+= 1
    }
    return next == IPProtocol.icmpv6 ? offset : -1
}
