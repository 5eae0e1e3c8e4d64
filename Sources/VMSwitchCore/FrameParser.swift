/// What the parser learned about one frame: where its IP header is and the fields the policy
/// can match on. Parsing never reads outside `length` bytes.
public struct ParsedFrame: Sendable {
    public enum Kind: UInt8, Sendable, BitwiseCopyable {
        /// Not IPv4 or IPv6 (after at most two VLAN tags): switched by MAC, never touched.
        case nonIP
        case ipv4
        case ipv6
        /// Claims IPv4/IPv6 but the header is not whole, or shorter than an Ethernet header.
        case malformed
    }

    public var kind: Kind
    /// Offset of the IPv4/IPv6 header.
    public var l3: Int
    /// The outermost VLAN ID, or `ParsedFrame.untagged`.
    public var vlan: UInt16
    public var dscp: UInt8
    /// The upper-layer protocol (0-255), or `ParsedFrame.unknown` where the header chain could
    /// not be walked to it.
    public var proto: UInt16
    /// Ports are known only in a first fragment that holds them; else `ParsedFrame.unknownPort`.
    public var sport: UInt32
    public var dport: UInt32

    public static let untagged: UInt16 = 4096
    public static let unknown: UInt16 = 256
    public static let unknownPort: UInt32 = 65536

    @inlinable
    init(kind: Kind) {
        self.kind = kind
        l3 = 0
        vlan = ParsedFrame.untagged
        dscp = 0
        proto = ParsedFrame.unknown
        sport = ParsedFrame.unknownPort
        dport = ParsedFrame.unknownPort
    }
}

public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let ipv6: UInt16 = 0x86DD
    public static let vlan: UInt16 = 0x8100
    public static let qinq: UInt16 = 0x88A8
}

public enum IPProtocol {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let icmpv6: UInt8 = 58
    public static let sctp: UInt8 = 132
    public static let hopByHop: UInt8 = 0
    public static let routing: UInt8 = 43
    public static let fragment: UInt8 = 44
    public static let destinationOptions: UInt8 = 60
}

@inlinable @inline(__always)
func load16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
    UInt16(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}

/// Parses an Ethernet frame as laid out in `frame[0..<length]`.
@_transparent
public func parseFrame(_ frame: UnsafeRawPointer, length: Int) -> ParsedFrame {
    guard length >= 14 else { return ParsedFrame(kind: .malformed) }
    var result = ParsedFrame(kind: .nonIP)
    var offset = 12
    var etherType = load16(frame, offset)
    var tags = 0
    while (etherType == EtherType.vlan || etherType == EtherType.qinq) && tags < 2 {
        guard offset + 6 <= length else { return result }
        if tags == 0 { result.vlan = load16(frame, offset + 2) & 0x0FFF }
        offset += 4
        etherType = load16(frame, offset)
        tags += 1
    }
    let l3 = offset + 2
    result.l3 = l3
    if etherType == EtherType.ipv4 {
        parseIPv4(frame, length: length, into: &result)
    } else if etherType == EtherType.ipv6 {
        parseIPv6(frame, length: length, into: &result)
    }
    return result
}

@inlinable @inline(__always)
func parseIPv4(_ frame: UnsafeRawPointer, length: Int, into result: inout ParsedFrame) {
    let l3 = result.l3
    guard l3 + 20 <= length else { result.kind = .malformed; return }
    let versionIHL = frame.load(fromByteOffset: l3, as: UInt8.self)
    let headerLength = Int(versionIHL & 0x0F) * 4
    let totalLength = Int(load16(frame, l3 + 2))
    guard versionIHL >> 4 == 4, headerLength >= 20, l3 + headerLength <= length,
          totalLength >= headerLength
    else { result.kind = .malformed; return }
    result.kind = .ipv4
    result.dscp = frame.load(fromByteOffset: l3 + 1, as: UInt8.self) >> 2
    let proto = frame.load(fromByteOffset: l3 + 9, as: UInt8.self)
    result.proto = UInt16(proto)
    let fragmentOffset = load16(frame, l3 + 6) & 0x1FFF
    let payloadEnd = min(length, l3 + totalLength)
    if fragmentOffset == 0 {
        readPorts(frame, at: l3 + headerLength, end: payloadEnd, proto: proto, into: &result)
    }
}

@inlinable @inline(__always)
func parseIPv6(_ frame: UnsafeRawPointer, length: Int, into result: inout ParsedFrame) {
    let l3 = result.l3
    guard l3 + 40 <= length, frame.load(fromByteOffset: l3, as: UInt8.self) >> 4 == 6 else {
        result.kind = .malformed
        return
    }
    result.kind = .ipv6
    result.dscp = UInt8(truncatingIfNeeded: load16(frame, l3) >> 6) & 0x3F
    let payloadLength = Int(load16(frame, l3 + 4))
    // A zero payload length is a jumbogram: the frame's own length bounds it.
    let end = payloadLength == 0 ? length : min(length, l3 + 40 + payloadLength)
    var next = frame.load(fromByteOffset: l3 + 6, as: UInt8.self)
    var offset = l3 + 40
    var firstFragment = true
    var walked = 0
    while isExtensionHeader(next) {
        guard walked < 8 else { return }
        if next == IPProtocol.fragment {
            guard offset + 8 <= end else { return }
            if load16(frame, offset + 2) >> 3 != 0 { firstFragment = false }
            next = frame.load(fromByteOffset: offset, as: UInt8.self)
            offset += 8
        } else {
            guard offset + 2 <= end else { return }
            let headerLength = (Int(frame.load(fromByteOffset: offset + 1, as: UInt8.self)) + 1) * 8
            next = frame.load(fromByteOffset: offset, as: UInt8.self)
            offset += headerLength
            guard offset <= end else { return }
        }
        walked += 1
    }
    result.proto = UInt16(next)
    if firstFragment {
        readPorts(frame, at: offset, end: end, proto: next, into: &result)
    }
}

@inlinable @inline(__always)
func isExtensionHeader(_ next: UInt8) -> Bool {
    next == IPProtocol.hopByHop || next == IPProtocol.routing || next == IPProtocol.fragment
        || next == IPProtocol.destinationOptions
}

@inlinable @inline(__always)
func readPorts(_ frame: UnsafeRawPointer, at offset: Int, end: Int, proto: UInt8,
               into result: inout ParsedFrame) {
    guard proto == IPProtocol.tcp || proto == IPProtocol.udp || proto == IPProtocol.sctp,
          offset + 4 <= end
    else { return }
    result.sport = UInt32(load16(frame, offset))
    result.dport = UInt32(load16(frame, offset + 2))
}
