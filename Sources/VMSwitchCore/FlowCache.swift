import CoreSupport

/// A worker's cache of classification decisions, keyed by every field a rule or a path can match
/// (ingress port, DSCP, VLAN, protocol, ports, addresses). A hit returns the whole decision the
/// key determines (rule, assigned DSCP, path and its egress): it skips both classifiers and the
/// action tables. An entry from another compiled policy never hits, so a new policy takes effect
/// with no flush. Each worker owns its cache: no sharing, no atomics. Two candidate slots per key.
///
/// The burst path fills free slots at once, but evicts a live entry only for a flow seen a second
/// time while its first sighting is still remembered (a "doorkeeper" of one signature per
/// slot), so traffic of many rarely repeated flows neither evicts the frequent ones nor spends
/// cache writes that never pay back.
public struct FlowCache: BitwiseCopyable {
    public var entries: UnsafeMutablePointer<FlowEntry>?
    /// One flow signature per slot: flows seen once and not yet admitted.
    public var sightings: UnsafeMutablePointer<UInt32>?
    /// Whether the cache is paying for itself, for the burst path (see `FlowCacheGovernor`).
    public var governor: UnsafeMutablePointer<FlowCacheGovernor>?
    public var mask: Int

    /// A disabled cache: every frame is classified.
    public static var disabled: FlowCache { FlowCache(entries: nil, sightings: nil, governor: nil, mask: 0) }

    /// Wraps `capacity` (a power of two, or 0 to disable) entries at `memory` (`byteCount`
    /// bytes), emptied.
    public init(memory: UnsafeMutableRawPointer?, capacity: Int) {
        guard let memory, capacity > 0 else {
            self = .disabled
            return
        }
        precondition(capacity & (capacity - 1) == 0)
        let typed = memory.bindMemory(to: FlowEntry.self, capacity: capacity)
        typed.initialize(repeating: FlowEntry(), count: capacity)
        let seen = (memory + capacity * MemoryLayout<FlowEntry>.stride).bindMemory(to: UInt32.self, capacity: capacity)
        seen.initialize(repeating: 0, count: capacity)
        let state = (memory + FlowCache.governorOffset(capacity: capacity)).bindMemory(to: FlowCacheGovernor.self, capacity: 1)
        state.initialize(to: FlowCacheGovernor())
        entries = typed
        sightings = seen
        governor = state
        mask = capacity - 1
    }

    init(entries: UnsafeMutablePointer<FlowEntry>?, sightings: UnsafeMutablePointer<UInt32>?,
         governor: UnsafeMutablePointer<FlowCacheGovernor>?, mask: Int) {
        self.entries = entries
        self.sightings = sightings
        self.governor = governor
        self.mask = mask
    }

    static func governorOffset(capacity: Int) -> Int {
        capacity * (MemoryLayout<FlowEntry>.stride + MemoryLayout<UInt32>.stride)
    }

    public static func byteCount(capacity: Int) -> Int {
        governorOffset(capacity: capacity) + MemoryLayout<FlowCacheGovernor>.stride
    }

    /// This cache, or `disabled` while the governor has it stood aside.
    @inlinable @inline(__always)
    public var inUse: FlowCache {
        guard let governor, governor.pointee.restingBursts == 0 else {
            if let governor { governor.pointee.restingBursts &-= 1 }
            return .disabled
        }
        return self
    }

    /// Starts loading both slots a lookup of `hash` may read (the second is read by every miss
    /// and by the entries the first slot could not take).
    @inlinable @inline(__always)
    public func prefetch(_ hash: UInt64) {
        guard let entries else { return }
        core_prefetch(entries + Int(truncatingIfNeeded: hash) & mask)
        core_prefetch(entries + Int(truncatingIfNeeded: hash >> 32) & mask)
    }

    /// The cached decision for `key` under policy `identity`, or nil.
    @inlinable @inline(__always)
    public func lookup(_ key: FlowKey, identity: UInt32, hash: UInt64) -> FlowDecision? {
        entry(key, identity: identity, hash: hash)?.pointee.decision
    }

    /// The entry holding `key` under policy `identity`, or nil.
    @inlinable @inline(__always)
    public func entry(_ key: FlowKey, identity: UInt32, hash: UInt64) -> UnsafeMutablePointer<FlowEntry>? {
        guard let entries else { return nil }
        let first = entries + Int(truncatingIfNeeded: hash) & mask
        if first.pointee.identity == identity && first.pointee.key.matches(key) { return first }
        let second = entries + Int(truncatingIfNeeded: hash >> 32) & mask
        if second.pointee.identity == identity && second.pointee.key.matches(key) { return second }
        return nil
    }

    /// Remembers a decision: in the first slot unless it holds a current entry and the second
    /// does not; else over whichever one the hash picks.
    @inlinable @inline(__always)
    public func store(_ key: FlowKey, identity: UInt32, hash: UInt64, decision: FlowDecision) {
        guard let entries else { return }
        let first = entries + Int(truncatingIfNeeded: hash) & mask
        let second = entries + Int(truncatingIfNeeded: hash >> 32) & mask
        var slot = first
        if first.pointee.identity == identity && (second.pointee.identity != identity || hash & (1 << 63) != 0) {
            slot = second
        }
        slot.pointee = FlowEntry(key: key, identity: identity, decision: decision)
    }

    /// Stores a decision where a candidate slot is free (empty, or from another policy);
    /// where both hold current entries, only if the flow was seen before (and not forgotten
    /// since), else it remembers this sighting. So a cache full of live flows is not churned by
    /// flows that come by once.
    @inlinable @inline(__always)
    public func admit(_ key: FlowKey, identity: UInt32, hash: UInt64, decision: FlowDecision) {
        guard let entries, let sightings else { return }
        let first = entries + Int(truncatingIfNeeded: hash) & mask
        let second = entries + Int(truncatingIfNeeded: hash >> 32) & mask
        if first.pointee.identity != identity || second.pointee.identity != identity {
            let free = first.pointee.identity != identity ? first : second
            // A new flow's frames all miss in the burst that brings them: the first takes a
            // free slot, the others must not take the other one too.
            let other = free == first ? second : first
            if other.pointee.identity == identity && other.pointee.key.matches(key) { return }
            free.pointee = FlowEntry(key: key, identity: identity, decision: decision)
            if let governor { governor.pointee.fills &+= 1 }
            return
        }
        let slot = sightings + Int(truncatingIfNeeded: hash >> 40) & mask
        let signature = UInt32(truncatingIfNeeded: hash >> 8) | 1
        if slot.pointee == signature {
            slot.pointee = 0
            (hash & (1 << 63) != 0 ? second : first).pointee = FlowEntry(key: key, identity: identity, decision: decision)
        } else {
            slot.pointee = signature
        }
    }
}

/// What a flow's key determines: the rule that assigns its QoS, what that rule assigns, and the
/// `paths` entry its final DSCP takes with that entry's egress. Twelve bytes.
public struct FlowDecision: BitwiseCopyable, Equatable {
    public static let noPath: Int16 = -1

    /// The rule index (the default's slot when no rule matched).
    public var rule: Int32
    /// The `paths` entry that matched the final DSCP, or `noPath`.
    public var path: Int16
    /// The rule's DSCP, or `RuleAction.keep`.
    public var dscp: UInt8
    public var monitor: Bool
    /// The path's egress port (`PathAction.drop` for a drop path); meaningful when `path` is set.
    public var pathPort: Int16
    public var queue: UInt16

    @inlinable
    public init(rule: Int32, path: Int16, dscp: UInt8, monitor: Bool, pathPort: Int16, queue: UInt16) {
        self.rule = rule
        self.path = path
        self.dscp = dscp
        self.monitor = monitor
        self.pathPort = pathPort
        self.queue = queue
    }
}

/// One cache line: a key, the policy identity it was classified under, and the decision.
public struct FlowEntry: BitwiseCopyable {
    public var key: FlowKey
    /// 0: empty (identities start at 1).
    public var identity: UInt32
    public var decision: FlowDecision

    @inlinable
    public init(key: FlowKey, identity: UInt32, decision: FlowDecision) {
        self.key = key
        self.identity = identity
        self.decision = decision
    }

    public init() {
        key = FlowKey(meta: 0, ports: 0, a0: 0, a1: 0, a2: 0, a3: 0)
        identity = 0
        decision = FlowDecision(rule: 0, path: FlowDecision.noPath, dscp: 0, monitor: false, pathPort: 0, queue: 0)
    }
}
