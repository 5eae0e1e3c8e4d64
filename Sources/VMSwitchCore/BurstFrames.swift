/// One burst as the pipeline's stages see it: a struct of arrays, one slot per frame, that each
/// stage fills for the next (parse -> flow key and hash -> decision -> verdict). A worker owns
/// one, allocated once at setup: nothing is allocated per burst.
public struct BurstFrames: BitwiseCopyable {
    /// The most frames a burst holds (a configuration's `burst` is at most this). Every array
    /// has room for this many, so each lies at a constant offset from `base`: a stage then
    /// reaches all of them from one register.
    public static var capacity: Int { 512 }
    public let base: UnsafeMutableRawPointer

    /// Filled by the caller: each frame's first byte and its length in this (first) segment.
    @inlinable public var data: UnsafeMutablePointer<UnsafeMutableRawPointer?> { array(Layout.data) }
    @inlinable public var length: UnsafeMutablePointer<Int> { array(Layout.length) }
    /// Each frame's kind (`ParsedFrame.Kind`) and IP header offset: the rest of what the parser
    /// found is in the flow key.
    @inlinable public var shapes: UnsafeMutablePointer<FrameShape> { array(Layout.shapes) }
    /// IP frames only: the flow key, its hash, and the decision (from the cache or classified).
    @inlinable public var keys: UnsafeMutablePointer<FlowKey> { array(Layout.keys) }
    @inlinable public var hashes: UnsafeMutablePointer<UInt64> { array(Layout.hashes) }
    @inlinable public var decisions: UnsafeMutablePointer<FlowDecision> { array(Layout.decisions) }
    /// Indices of the frames the flow cache did not answer, classified together.
    @inlinable public var misses: UnsafeMutablePointer<Int> { array(Layout.misses) }
    /// Per miss (in `misses` order): its field classes as the rule cache keys them, their hash
    /// and the rule found.
    @inlinable public var missKeys: UnsafeMutablePointer<RuleKey> { array(Layout.missKeys) }
    @inlinable public var missHashes: UnsafeMutablePointer<UInt64> { array(Layout.missHashes) }
    @inlinable public var missRules: UnsafeMutablePointer<Int32> { array(Layout.missRules) }
    /// Source and destination MAC addresses (frames that are not malformed).
    @inlinable public var sources: UnsafeMutablePointer<UInt64> { array(Layout.sources) }
    @inlinable public var destinations: UnsafeMutablePointer<UInt64> { array(Layout.destinations) }
    /// Filled by the caller between `classifyBurst` and `finishBurst` when the policy has metered
    /// rules: each IP frame's meter colour (`FrameColour`; green when its rule is not policed).
    @inlinable public var colours: UnsafeMutablePointer<UInt8> { array(Layout.colours) }
    /// The DSCP each frame leaves with, 0xFF for a frame that is not IP (the QoS stage's result).
    @inlinable public var finalDSCP: UnsafeMutablePointer<UInt8> { array(Layout.finalDSCP) }
    /// The outcome: where each frame goes, as `decideFrame`'s verdict says.
    @inlinable public var dispatches: UnsafeMutablePointer<Dispatch> { array(Layout.dispatches) }

    @inlinable @inline(__always)
    func array<T>(_ offset: Int) -> UnsafeMutablePointer<T> {
        (base + offset).assumingMemoryBound(to: T.self)
    }

    /// Bytes `init(memory:)` needs (with 64-byte alignment).
    public static var byteCount: Int { Layout.total }

    /// Lays the arrays out in `memory` (at least `byteCount` bytes, 64-byte aligned).
    public init(memory: UnsafeMutableRawPointer) {
        base = memory
        let capacity = BurstFrames.capacity
        (memory + Layout.data).bindMemory(to: UnsafeMutableRawPointer?.self, capacity: capacity)
            .initialize(repeating: nil, count: capacity)
        (memory + Layout.length).bindMemory(to: Int.self, capacity: capacity).initialize(repeating: 0, count: capacity)
        (memory + Layout.shapes).bindMemory(to: FrameShape.self, capacity: capacity)
            .initialize(repeating: FrameShape(kind: .nonIP, l3: 0), count: capacity)
        (memory + Layout.keys).bindMemory(to: FlowKey.self, capacity: capacity)
            .initialize(repeating: FlowKey(meta: 0, ports: 0, a0: 0, a1: 0, a2: 0, a3: 0), count: capacity)
        (memory + Layout.hashes).bindMemory(to: UInt64.self, capacity: capacity).initialize(repeating: 0, count: capacity)
        (memory + Layout.decisions).bindMemory(to: FlowDecision.self, capacity: capacity)
            .initialize(repeating: FlowEntry().decision, count: capacity)
        (memory + Layout.misses).bindMemory(to: Int.self, capacity: capacity).initialize(repeating: 0, count: capacity)
        (memory + Layout.missKeys).bindMemory(to: RuleKey.self, capacity: capacity)
            .initialize(repeating: RuleKey(FieldClasses(words: (0, 0), ipv6: false), identity: 0), count: capacity)
        (memory + Layout.missHashes).bindMemory(to: UInt64.self, capacity: capacity).initialize(repeating: 0, count: capacity)
        (memory + Layout.missRules).bindMemory(to: Int32.self, capacity: capacity).initialize(repeating: -1, count: capacity)
        (memory + Layout.sources).bindMemory(to: UInt64.self, capacity: capacity).initialize(repeating: 0, count: capacity)
        (memory + Layout.destinations).bindMemory(to: UInt64.self, capacity: capacity)
            .initialize(repeating: 0, count: capacity)
        (memory + Layout.colours).bindMemory(to: UInt8.self, capacity: capacity)
            .initialize(repeating: FrameColour.green, count: capacity)
        (memory + Layout.finalDSCP).bindMemory(to: UInt8.self, capacity: capacity).initialize(repeating: 0xFF, count: capacity)
        (memory + Layout.dispatches).bindMemory(to: Dispatch.self, capacity: capacity)
            .initialize(repeating: Dispatch(Verdict()), count: capacity)
    }

    /// Where each array starts, each on its own cache line: constants the compiler folds.
    @usableFromInline
    enum Layout {
        @inlinable @inline(__always)
        static func after<T>(_ start: Int, _ type: T.Type) -> Int {
            start + (BurstFrames.capacity * MemoryLayout<T>.stride + 63) & ~63
        }
        @inlinable static var data: Int { 0 }
        @inlinable static var length: Int { after(data, UnsafeMutableRawPointer?.self) }
        @inlinable static var shapes: Int { after(length, Int.self) }
        @inlinable static var keys: Int { after(shapes, FrameShape.self) }
        @inlinable static var hashes: Int { after(keys, FlowKey.self) }
        @inlinable static var decisions: Int { after(hashes, UInt64.self) }
        @inlinable static var misses: Int { after(decisions, FlowDecision.self) }
        @inlinable static var missKeys: Int { after(misses, Int.self) }
        @inlinable static var missHashes: Int { after(missKeys, RuleKey.self) }
        @inlinable static var missRules: Int { after(missHashes, UInt64.self) }
        @inlinable static var sources: Int { after(missRules, Int32.self) }
        @inlinable static var destinations: Int { after(sources, UInt64.self) }
        @inlinable static var colours: Int { after(destinations, UInt64.self) }
        @inlinable static var finalDSCP: Int { after(colours, UInt8.self) }
        @inlinable static var dispatches: Int { after(finalDSCP, UInt8.self) }
        @inlinable static var total: Int { after(dispatches, Dispatch.self) }
    }
}

/// What a burst stage needs of a frame's parse beyond its flow key.
public struct FrameShape: BitwiseCopyable {
    public var kind: ParsedFrame.Kind
    public var l3: UInt16

    @inlinable
    public init(kind: ParsedFrame.Kind, l3: UInt16) {
        self.kind = kind
        self.l3 = l3
    }

    @inlinable public var isIP: Bool { kind == .ipv4 || kind == .ipv6 }
}

extension ParsedFrame {
    /// The parse of an IP frame, rebuilt from its flow key and shape (the key holds every
    /// field the parser reads).
    @inlinable @inline(__always)
    init(_ key: FlowKey, _ shape: FrameShape) {
        self.init(kind: shape.kind)
        l3 = Int(shape.l3)
        dscp = UInt8(truncatingIfNeeded: key.dscp)
        vlan = UInt16(truncatingIfNeeded: key.vlan)
        proto = UInt16(truncatingIfNeeded: key.proto)
        sport = UInt32(truncatingIfNeeded: key.sport)
        dport = UInt32(truncatingIfNeeded: key.dport)
    }
}
