/// Rewrites the DSCP of the IP header at `l3`: the six DSCP bits change, the two ECN bits stay.
/// IPv4's header checksum is updated incrementally (RFC 1624, eqn. 3), so a valid header stays
/// valid and a corrupt one stays exactly as corrupt. IPv6's version and flow label are untouched.
/// No other byte changes.
@inlinable @inline(__always)
public func rewriteDSCP(_ frame: UnsafeMutableRawPointer, l3: Int, isIPv6: Bool, to dscp: UInt8) {
    if isIPv6 {
        let word = load16(frame, l3)  // version(4) | traffic class(8) | flow label high (4)
        let updated = (word & 0xF03F) | UInt16(dscp & 0x3F) << 6
        frame.storeBytes(of: updated.bigEndian, toByteOffset: l3, as: UInt16.self)
    } else {
        let oldWord = load16(frame, l3)  // version/IHL | TOS
        let newWord = (oldWord & 0xFF03) | UInt16(dscp & 0x3F) << 2
        frame.storeBytes(of: newWord.bigEndian, toByteOffset: l3, as: UInt16.self)
        let checksum = load16(frame, l3 + 10)
        frame.storeBytes(of: updatedChecksum(checksum, old: oldWord, new: newWord).bigEndian,
                         toByteOffset: l3 + 10, as: UInt16.self)
    }
}

/// HC' = ~(~HC + ~m + m') in one's complement arithmetic (RFC 1624, eqn. 3).
@inlinable @inline(__always)
public func updatedChecksum(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
    var sum = UInt32(~checksum) &+ UInt32(~old) &+ UInt32(new)
    sum = (sum & 0xFFFF) &+ (sum >> 16)
    sum = (sum & 0xFFFF) &+ (sum >> 16)
    return ~UInt16(truncatingIfNeeded: sum)
}
