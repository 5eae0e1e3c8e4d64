import VMSwitchCore

/// Addresses from their text form, for building frames (the text is the caller's own constant).
public func ipv4Address(_ text: String) -> UInt32 {
    guard case .v4(let address, _) = try? IPPrefix(parsing: text) else { preconditionFailure("not an IPv4 address: \(text)") }
    return address
}

public func ipv6Address(_ text: String) -> UInt128 {
    guard case .v6(let address, _) = try? IPPrefix(parsing: text) else { preconditionFailure("not an IPv6 address: \(text)") }
    return address
}

/// A small, seedable random generator (SplitMix64): reproducible traffic and test cases.
public struct SplitMix {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func chance(_ oneIn: UInt64) -> Bool { next() % oneIn == 0 }
}
