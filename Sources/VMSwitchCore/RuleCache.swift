import CoreSupport

/// A worker's memo of which rule a tuple of field classes selects (`FieldClasses`): frames
/// whose every field falls in the same class are accepted by the same rules, so once a tuple's
/// first match is known, classifying another frame of it is its field lookups and one probe,
/// whatever the number of rules. Tuples are few where flows are many (the classes come from the
/// rules, not the traffic), so it keeps classifying cheap when a flow cache cannot hold the
/// flows. Direct-mapped; an entry from another compiled policy never hits.
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

    /// The first match of `image` for `classes`, from the memo or by scanning (and remembered).
    /// `identity` names the compiled policy and which of its classifiers `image` is.
    @inlinable @inline(__always)
    public func firstMatch(_ image: UnsafePointer<ClassifierImage>, _ classes: FieldClasses, identity: UInt32) -> Int {
        guard let entries else { return ClassifierImage.firstMatch(image, classes) }
        let (low, high) = classes.words
        let tag = UInt64(identity) << 1 | (classes.ipv6 ? 1 : 0)
        let hash = core_crc32_u64(core_crc32_u64(UInt64(identity), low), high)
        let entry = entries + Int(truncatingIfNeeded: hash) & mask
        if entry.pointee.low == low && entry.pointee.high == high && entry.pointee.tag == tag {
            return Int(entry.pointee.rule)
        }
        let rule = ClassifierImage.firstMatch(image, classes)
        entry.pointee = RuleCacheEntry(low: low, high: high, tag: tag, rule: Int32(truncatingIfNeeded: rule))
        return rule
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
