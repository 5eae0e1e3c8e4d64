#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 CIDR prefix. A bare address is a host prefix (/32 or /128).
public enum IPPrefix: Hashable, Sendable, CustomStringConvertible {
    case v4(address: UInt32, length: Int)
    case v6(address: UInt128, length: Int)

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnAddress, badLength, hostBitsSet(suggestion: String)

        public var description: String {
            switch self {
            case .notAnAddress: "not an IPv4 or IPv6 address"
            case .badLength: "bad prefix length"
            case .hostBitsSet(let suggestion): "host bits set (did you mean \(suggestion)?)"
            }
        }
    }

    public init(parsing text: String) throws(ParseError) {
        let pieces = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let addressText = String(pieces[0])
        var length: Int?
        if pieces.count == 2 {
            guard let parsed = Int(pieces[1]), parsed >= 0 else { throw .badLength }
            length = parsed
        }
        if let v4 = IPPrefix.parseIPv4(addressText) {
            let bits = length ?? 32
            guard bits <= 32 else { throw .badLength }
            let prefix = IPPrefix.v4(address: v4, length: bits)
            guard prefix.first == UInt128(v4) else {
                throw .hostBitsSet(suggestion: IPPrefix.v4(address: UInt32(prefix.first), length: bits).description)
            }
            self = prefix
        } else if let v6 = IPPrefix.parseIPv6(addressText) {
            let bits = length ?? 128
            guard bits <= 128 else { throw .badLength }
            let prefix = IPPrefix.v6(address: v6, length: bits)
            guard prefix.first == v6 else {
                throw .hostBitsSet(suggestion: IPPrefix.v6(address: prefix.first, length: bits).description)
            }
            self = prefix
        } else {
            throw .notAnAddress
        }
    }

    public var isIPv4: Bool { if case .v4 = self { true } else { false } }

    /// The lowest and highest address the prefix covers, as integers of its family's width.
    public var first: UInt128 {
        switch self {
        case .v4(let a, let n): UInt128(n == 0 ? 0 : a & ~UInt32(0) << (32 - n))
        case .v6(let a, let n): n == 0 ? 0 : a & ~UInt128(0) << (128 - n)
        }
    }

    public var last: UInt128 {
        switch self {
        case .v4(_, let n): first | UInt128(n == 0 ? ~UInt32(0) : ~(~UInt32(0) << (32 - n)))
        case .v6(_, let n): first | (n == 0 ? ~UInt128(0) : ~(~UInt128(0) << (128 - n)))
        }
    }

    public func contains(_ address: UInt128) -> Bool { first <= address && address <= last }

    public var description: String {
        switch self {
        case .v4(let a, let n): "\(IPPrefix.formatIPv4(a))/\(n)"
        case .v6(let a, let n): "\(IPPrefix.formatIPv6(a))/\(n)"
        }
    }

    static func parseIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let octet = UInt8(part) else {
                return nil
            }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    static func parseIPv6(_ text: String) -> UInt128? {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard text.contains(":"), inet_pton(AF_INET6, text, &bytes) == 1 else { return nil }
        return bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
    }

    public static func formatIPv4(_ a: UInt32) -> String {
        (0..<4).map { String(a >> (24 - 8 * $0) & 0xFF) }.joined(separator: ".")
    }

    public static func formatIPv6(_ a: UInt128) -> String {
        var bytes = (0..<16).map { UInt8(truncatingIfNeeded: a >> (120 - 8 * $0)) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard inet_ntop(AF_INET6, &bytes, &buffer, 64) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
