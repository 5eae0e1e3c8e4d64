import CoreSupport

/// A worker's memo of which rule a tuple of field classes selects (`FieldClasses`): frames
/// whose every field falls in the same class are accepted by the same rules, so once a tuple's
/// first match is known, classifying another frame of it is its field lookups and one probe,
/// whatever the number of rules. Tuples are few where flows are many (the classes come from the
/// rules, not the traffic), so it keeps classifying cheap when a flow cache cannot hold the
/// flows. Used for policies of more than 64 rules: with fewer, the rules' bitsets are one word
/// and their AND costs less than a probe. Direct-mapped; an entry from another compiled policy
/// never hits.
public struct RuleCache: BitwiseCopyable {
    public var entries: UnsafeMutablePointer<RuleCacheEntry>?
    public var mask: Int

    public static let defaultCapacity = 4096
    public static var disabled: RuleCache { RuleCache(entries: nil, mask: 0) }

    public static func byteCount(capacity: Int) -> Int { capacity * MemoryLayout<RuleCacheEntry>.stride }

    /// Wraps `capacity` (a power of two) entries at `memory`, emptied.
    public init(memory: UnsafeMutableRawPointer, capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0)
        let typed = memory.bindMemory(to: RuleCacheEntry.self, capacity: capacity)
        typed.initialize(repeating: RuleCacheEntry(low: 0, high: 0, tag: 0, rule: 0), count: capacity)
        entries = typed
        mask = capacity - 1
    }

    init(entries: UnsafeMutablePointer<RuleCacheEntry>?, mask: Int) {
        self.entries = entries
        self.mask = mask
    }

    /// Starts loading the entry of a key's `hash`: a burst computes every miss's key and hash
    /// first, then probes them in order.
    @inlinable @inline(__always)
    public func prefetch(_ hash: UInt64) {
        guard let entries else { return }
        core_prefetch(entries + Int(truncatingIfNeeded: hash) & mask)
    }

    /// The first match for `key` (`key.hash` given), from the memo or by scanning (and remembered).
    @inlinable @inline(__always)
    public func firstMatch(_ image: UnsafePointer<ClassifierImage>, _ key: RuleKey, hash: UInt64) -> Int {
        guard let entries else { return ClassifierImage.firstMatch(image, key.classes) }
        let entry = entries + Int(truncatingIfNeeded: hash) & mask
        if entry.pointee.low == key.low && entry.pointee.high == key.high && entry.pointee.tag == key.tag {
            return Int(entry.pointee.rule)
        }
        let rule = ClassifierImage.firstMatch(image, key.classes)
        entry.pointee = RuleCacheEntry(low: key.low, high: key.high, tag: key.tag, rule: Int32(truncatingIfNeeded: rule))
        return rule
    }
}

/// A tuple of field classes packed as the rule cache compares it: the eight classes in two
/// words, and the policy identity with the address family.
public struct RuleKey: BitwiseCopyable {
    public var low: UInt64
    public var high: UInt64
    public var tag: UInt64

    @inlinable @inline(__always)
    public init(_ classes: FieldClasses, identity: UInt32) {
        (low, high) = classes.words
        tag = UInt64(identity) << 1 | (classes.ipv6 ? 1 : 0)
    }

    @inlinable @inline(__always)
    public var hash: UInt64 { core_crc32_u64(core_crc32_u64(tag, low), high) }

    /// The classes back, for a scan.
    @inlinable @inline(__always)
    public var classes: FieldClasses {
        FieldClasses(words: (low, high), ipv6: tag & 1 != 0)
    }
}

public struct RuleCacheEntry: BitwiseCopyable {
    public var low: UInt64
    public var high: UInt64
    /// The policy identity and the address family; 0: empty (identities start at 1).
    public var tag: UInt64
    public var rule: Int32

    @inlinable
    public init(low: UInt64, high: UInt64, tag: UInt64, rule: Int32) {
        self.low = low
        self.high = high
        self.tag = tag
        self.rule = rule
    }
}
