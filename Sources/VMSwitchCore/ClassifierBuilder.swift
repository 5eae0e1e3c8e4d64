/// The fields a classifier can match, each over its own key space.
enum ClassifierField: CaseIterable {
    case from, vlan, proto, sport, dport, dscp, src4, dst4, src6, dst6
}

/// One rule as the classifier sees it: for each constrained field, the key ranges it accepts
/// (an empty list accepts nothing, e.g. an IPv4 prefix in an IPv6 field). Absent = any value.
struct ClassifierRule {
    var ranges: [ClassifierField: [ClosedRange<UInt128>]] = [:]
}

struct ClassifierLimitError: Error, CustomStringConvertible {
    let description: String
}

/// Compiles rules into a `ClassifierImage` whose tables live in `storage`.
struct ClassifierBuilder {
    let rules: [ClassifierRule]
    let portCount: Int

    var words: Int { max(1, (rules.count + 63) / 64) }

    func maxKey(_ field: ClassifierField) -> UInt128 {
        switch field {
        case .from: UInt128(max(portCount, 1) - 1)
        case .vlan: UInt128(ParsedFrame.untagged)
        case .proto: UInt128(ParsedFrame.unknown)
        case .sport, .dport: UInt128(ParsedFrame.unknownPort)
        case .dscp: 63
        case .src4, .dst4: UInt128(UInt32.max)
        case .src6, .dst6: UInt128.max
        }
    }

    func build(into storage: TableStorage) throws -> ClassifierImage {
        let allBits = bitset { _ in true }
        let all = try storage.store(allBits)
        func direct(_ field: ClassifierField) throws -> DirectTable {
            guard let compiled = try compile(field) else {
                return DirectTable(classes: try storage.store([UInt16(0)]), mask: 0, bits: all)
            }
            return DirectTable(classes: try storage.store(compiled.expanded(upTo: Int(maxKey(field)))), mask: -1,
                               bits: try storage.store(compiled.classBits))
        }
        func interval<Key: FixedWidthInteger & UnsignedInteger & BitwiseCopyable>(
            _ field: ClassifierField, as: Key.Type
        ) throws -> IntervalTable<Key> {
            guard let compiled = try compile(field) else {
                return IntervalTable(starts: try storage.store([Key(0)]), count: 1, classes: try storage.store([UInt16(0)]),
                                     bits: all, blocks: try storage.store([UInt32(1) << 20]), blockMask: 0,
                                     windowLow: 0, windowSpan: UInt64.max, windowShift: 48)
            }
            guard compiled.starts.count < 1 << 20 else {
                throw ClassifierLimitError(description: "too many distinct \(field) ranges")
            }
            let window = Key.bitWidth == 128 ? compiled.window() : (skip: 0, low: UInt128(0))
            return IntervalTable(starts: try storage.store(compiled.starts.map { Key(truncatingIfNeeded: $0) }),
                                 count: compiled.starts.count,
                                 classes: try storage.store(compiled.intervalClass),
                                 bits: try storage.store(compiled.classBits),
                                 blocks: try storage.store(compiled.blocks(keyBits: Key.bitWidth, window: window)),
                                 blockMask: 0xFFFF, windowLow: UInt64(truncatingIfNeeded: window.low >> 64),
                                 windowSpan: UInt64.max >> window.skip, windowShift: 48 - window.skip)
        }
        return ClassifierImage(
            ruleCount: rules.count, words: words, all: all, byPortAndDSCP: try portAndDSCPTable(into: storage),
            from: try direct(.from), vlan: try direct(.vlan), proto: try direct(.proto),
            sport: try direct(.sport), dport: try direct(.dport), dscp: try direct(.dscp),
            src4: try interval(.src4, as: UInt32.self), dst4: try interval(.dst4, as: UInt32.self),
            src6: try interval(.src6, as: UInt128.self), dst6: try interval(.dst6, as: UInt128.self))
    }

    /// When the rules constrain nothing but the ingress port and the DSCP (as `paths` entries
    /// usually do), the first match for every (port, DSCP): one load instead of a lookup.
    private func portAndDSCPTable(into storage: TableStorage) throws -> UnsafePointer<Int32>? {
        guard rules.allSatisfy({ $0.ranges.keys.allSatisfy { $0 == .from || $0 == .dscp } }) else { return nil }
        var table: [Int32] = []
        for port in 0..<max(portCount, 1) {
            for dscp in 0..<64 {
                let first = rules.firstIndex { rule in
                    (rule.ranges[.from]?.contains { $0.contains(UInt128(port)) } ?? true)
                        && (rule.ranges[.dscp]?.contains { $0.contains(UInt128(dscp)) } ?? true)
                }
                table.append(Int32(first ?? -1))
            }
        }
        return UnsafePointer(try storage.store(table))
    }

    private func bitset(_ accepts: (Int) -> Bool) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: words)
        for rule in rules.indices where accepts(rule) { bits[rule / 64] |= 1 << UInt64(rule % 64) }
        return bits
    }

    /// Splits the field's key space into intervals on which every rule's answer is constant, and
    /// gives intervals with the same set of accepting rules the same class. nil: no rule cares.
    private func compile(_ field: ClassifierField) throws -> CompiledField? {
        guard rules.contains(where: { $0.ranges[field] != nil }) else { return nil }
        let top = maxKey(field)
        var boundaries: Set<UInt128> = [0]
        for rule in rules {
            for range in rule.ranges[field] ?? [] {
                boundaries.insert(range.lowerBound)
                if range.upperBound < top { boundaries.insert(range.upperBound + 1) }
            }
        }
        let starts = boundaries.sorted()
        var classOfBits: [[UInt64]: UInt16] = [:]
        var classBits: [UInt64] = []
        var intervalClass: [UInt16] = []
        for start in starts {
            let bits = bitset { index in
                guard let ranges = rules[index].ranges[field] else { return true }
                return ranges.contains { $0.contains(start) }
            }
            if let known = classOfBits[bits] {
                intervalClass.append(known)
            } else {
                guard classOfBits.count < Int(UInt16.max) else {
                    throw ClassifierLimitError(description: "too many distinct \(field) ranges")
                }
                let id = UInt16(classOfBits.count)
                classOfBits[bits] = id
                classBits += bits
                intervalClass.append(id)
            }
        }
        return CompiledField(starts: starts, intervalClass: intervalClass, classBits: classBits)
    }
}

struct CompiledField {
    var starts: [UInt128]
    var intervalClass: [UInt16]
    var classBits: [UInt64]

    /// The window an IPv6 `IntervalTable` indexes: the leading bits (`skip`, at most
    /// `IntervalTable.windowSkipLimit`) that every start but the first (0) shares, and its first
    /// address (those bits, then zeros).
    func window() -> (skip: Int, low: UInt128) {
        guard starts.count > 1 else { return (0, 0) }
        // Sorted, so what the second and the last share, all between them share.
        let differing = starts[1] ^ starts[starts.count - 1]
        let skip = min(differing.leadingZeroBitCount, IntervalTable<UInt128>.windowSkipLimit)
        return (skip, skip == 0 ? 0 : (starts[1] >> (128 - skip)) << (128 - skip))
    }

    /// For each block of the window (keys sharing their first `skip` + 16 bits; with no window,
    /// their top 16): the first interval that overlaps it (low 20 bits) and how many do (high 12,
    /// saturating at the limit).
    func blocks(keyBits: Int, window: (skip: Int, low: UInt128)) -> [UInt32] {
        let shift = keyBits - window.skip - 16
        var table = [UInt32](repeating: 0, count: 1 << 16)
        var first = 0
        for block in 0..<(1 << 16) {
            let low = window.low | UInt128(block) << shift
            let high = low | ((UInt128(1) << shift) - 1)
            while first + 1 < starts.count && starts[first + 1] <= low { first += 1 }
            var last = first
            while last + 1 < starts.count && starts[last + 1] <= high { last += 1 }
            let span = min(last - first + 1, Int(IntervalTable<UInt32>.spanLimit))
            table[block] = UInt32(first) | UInt32(span) << 20
        }
        return table
    }

    /// One class per key 0...maxKey, for fields small enough to index directly.
    func expanded(upTo maxKey: Int) -> [UInt16] {
        var table = [UInt16](repeating: 0, count: maxKey + 1)
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? Int(starts[index + 1]) : maxKey + 1
            for key in Int(start)..<end { table[key] = intervalClass[index] }
        }
        return table
    }
}
