/// A Differentiated Services Code Point: the upper six bits of the IPv4 TOS byte or the IPv6
/// traffic class. The lower two bits of that byte are ECN and are never part of a DSCP.
public struct DSCP: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt8

    public init?(_ value: Int) {
        guard (0...63).contains(value) else { return nil }
        self.value = UInt8(value)
    }

    /// Parses a number (0-63) or a standard name (BE, CS0-CS7, AF11-AF43, EF, VA), case-insensitive.
    public init?(parsing text: String) {
        let upper = text.uppercased()
        if let number = Int(upper) {
            self.init(number)
        } else if let named = DSCP.names.first(where: { $0.name == upper }) {
            self.init(Int(named.value))
        } else {
            return nil
        }
    }

    public static func < (a: DSCP, b: DSCP) -> Bool { a.value < b.value }

    /// The standard name where one exists ("EF"), else the number.
    public var description: String {
        DSCP.names.first(where: { $0.value == value && $0.name != "CS0" })?.name ?? String(value)
    }

    public static let names: [(name: String, value: UInt8)] = {
        var table: [(String, UInt8)] = [("BE", 0), ("EF", 46), ("VA", 44)]
        for cs in 0...7 { table.append(("CS\(cs)", UInt8(cs << 3))) }
        for cls in 1...4 {
            for drop in 1...3 { table.append(("AF\(cls)\(drop)", UInt8(cls << 3 | drop << 1))) }
        }
        return table
    }()
}

/// What a rule (or the default) assigns: a DSCP, or `keep` (the frame's own DSCP stands).
public enum DSCPAssignment: Hashable, Sendable, CustomStringConvertible {
    case keep
    case set(DSCP)

    public init?(parsing text: String) {
        if text.lowercased() == "keep" {
            self = .keep
        } else if let dscp = DSCP(parsing: text) {
            self = .set(dscp)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .keep: "keep"
        case .set(let dscp): dscp.description
        }
    }
}
