/// One burst as the pipeline's stages see it: a struct of arrays, one slot per frame, that each
/// stage fills for the next (parse -> flow key and hash -> decision -> verdict). A worker owns
/// one, allocated once at setup: nothing is allocated per burst.
public struct BurstFrames: BitwiseCopyable {
    public let capacity: Int
    /// Filled by the caller: each frame's first byte and its length in this (first) segment.
    public var data: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    public var length: UnsafeMutablePointer<Int>
    /// Each frame's kind (`ParsedFrame.Kind`) and IP header offset: the rest of what the parser
    /// found is in the flow key.
    public var shapes: UnsafeMutablePointer<FrameShape>
    /// IP frames only: the flow key, its hash, and the decision (from the cache or classified).
    public var keys: UnsafeMutablePointer<FlowKey>
    public var hashes: UnsafeMutablePointer<UInt64>
    public var decisions: UnsafeMutablePointer<FlowDecision>
    /// Indices of the frames the flow cache did not answer, classified together.
    public var misses: UnsafeMutablePointer<Int>
    /// Per miss (in `misses` order): its field classes as the rule cache keys them, their hash
    /// and the rule found.
    public var missKeys: UnsafeMutablePointer<RuleKey>
    public var missHashes: UnsafeMutablePointer<UInt64>
    public var missRules: UnsafeMutablePointer<Int32>
    /// Source and destination MAC addresses (frames that are not malformed).
    public var sources: UnsafeMutablePointer<UInt64>
    public var destinations: UnsafeMutablePointer<UInt64>
    /// Filled by the caller between `classifyBurst` and `finishBurst` when the policy has metered
    /// rules: each IP frame's meter colour (`FrameColour`; green when its rule is not policed).
    public var colours: UnsafeMutablePointer<UInt8>
    /// The DSCP each frame leaves with, 0xFF for a frame that is not IP (the QoS stage's result).
    public var finalDSCP: UnsafeMutablePointer<UInt8>
    /// The outcome: where each frame goes, as `decideFrame`'s verdict says.
    public var dispatches: UnsafeMutablePointer<Dispatch>

    /// Bytes `init(memory:capacity:)` needs (with 64-byte alignment).
    public static func byteCount(capacity: Int) -> Int {
        Layout(capacity: capacity).total
    }

    /// Lays the arrays out in `memory` (at least `byteCount(capacity:)` bytes, 64-byte aligned).
    public init(memory: UnsafeMutableRawPointer, capacity: Int) {
        precondition(capacity > 0)
        let layout = Layout(capacity: capacity)
        self.capacity = capacity
        data = (memory + layout.data).bindMemory(to: UnsafeMutableRawPointer?.self, capacity: capacity)
        data.initialize(repeating: nil, count: capacity)
        length = (memory + layout.length).bindMemory(to: Int.self, capacity: capacity)
        length.initialize(repeating: 0, count: capacity)
        shapes = (memory + layout.shapes).bindMemory(to: FrameShape.self, capacity: capacity)
        shapes.initialize(repeating: FrameShape(kind: .nonIP, l3: 0), count: capacity)
        keys = (memory + layout.keys).bindMemory(to: FlowKey.self, capacity: capacity)
        keys.initialize(repeating: FlowKey(meta: 0, ports: 0, a0: 0, a1: 0, a2: 0, a3: 0), count: capacity)
        hashes = (memory + layout.hashes).bindMemory(to: UInt64.self, capacity: capacity)
        hashes.initialize(repeating: 0, count: capacity)
        decisions = (memory + layout.decisions).bindMemory(to: FlowDecision.self, capacity: capacity)
        decisions.initialize(repeating: FlowEntry().decision, count: capacity)
        misses = (memory + layout.misses).bindMemory(to: Int.self, capacity: capacity)
        misses.initialize(repeating: 0, count: capacity)
        missKeys = (memory + layout.missKeys).bindMemory(to: RuleKey.self, capacity: capacity)
        missKeys.initialize(repeating: RuleKey(FieldClasses(words: (0, 0), ipv6: false), identity: 0), count: capacity)
        missHashes = (memory + layout.missHashes).bindMemory(to: UInt64.self, capacity: capacity)
        missHashes.initialize(repeating: 0, count: capacity)
        missRules = (memory + layout.missRules).bindMemory(to: Int32.self, capacity: capacity)
        missRules.initialize(repeating: -1, count: capacity)
        sources = (memory + layout.sources).bindMemory(to: UInt64.self, capacity: capacity)
        sources.initialize(repeating: 0, count: capacity)
        destinations = (memory + layout.destinations).bindMemory(to: UInt64.self, capacity: capacity)
        destinations.initialize(repeating: 0, count: capacity)
        colours = (memory + layout.colours).bindMemory(to: UInt8.self, capacity: capacity)
        colours.initialize(repeating: FrameColour.green, count: capacity)
        finalDSCP = (memory + layout.finalDSCP).bindMemory(to: UInt8.self, capacity: capacity)
        finalDSCP.initialize(repeating: 0xFF, count: capacity)
        dispatches = (memory + layout.dispatches).bindMemory(to: Dispatch.self, capacity: capacity)
        dispatches.initialize(repeating: Dispatch(Verdict()), count: capacity)
    }

    /// Where each array starts, each on its own cache line.
    struct Layout {
        var data = 0, length = 0, shapes = 0, keys = 0, hashes = 0, decisions = 0, misses = 0
        var missKeys = 0, missHashes = 0, missRules = 0
        var sources = 0, destinations = 0, colours = 0, finalDSCP = 0, dispatches = 0, total = 0

        init(capacity: Int) {
            func place<T>(_ type: T.Type) -> Int {
                let start = total
                total += (capacity * MemoryLayout<T>.stride + 63) & ~63
                return start
            }
            data = place(UnsafeMutableRawPointer?.self)
            length = place(Int.self)
            shapes = place(FrameShape.self)
            keys = place(FlowKey.self)
            hashes = place(UInt64.self)
            decisions = place(FlowDecision.self)
            misses = place(Int.self)
            missKeys = place(RuleKey.self)
            missHashes = place(UInt64.self)
            missRules = place(Int32.self)
            sources = place(UInt64.self)
            destinations = place(UInt64.self)
            colours = place(UInt8.self)
            finalDSCP = place(UInt8.self)
            dispatches = place(Dispatch.self)
        }
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
        dscp = UInt8(truncatingIfNeeded: key.meta >> 16)
        vlan = UInt16(truncatingIfNeeded: key.meta >> 24)
        proto = UInt16(truncatingIfNeeded: key.meta >> 40)
        sport = UInt32(truncatingIfNeeded: key.ports)
        dport = UInt32(truncatingIfNeeded: key.ports >> 32)
    }
}
