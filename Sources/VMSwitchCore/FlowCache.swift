/// A worker's cache of classification results, keyed by every field a rule or a path can match
/// (ingress port, DSCP, VLAN, protocol, ports, addresses). A hit skips both classifiers; an entry
/// from another compiled policy never hits, so a new policy takes effect with no flush. Each
/// worker owns its cache: no sharing, no atomics. Two candidate slots per key.
public struct FlowCache: BitwiseCopyable {
    public var entries: UnsafeMutablePointer<FlowEntry>?
    public var mask: Int

    /// A disabled cache: every frame is classified.
    public static var disabled: FlowCache { FlowCache(entries: nil, mask: 0) }

    /// Wraps `capacity` (a power of two, or 0 to disable) entries at `memory`, emptied.
    public init(memory: UnsafeMutableRawPointer?, capacity: Int) {
        guard let memory, capacity > 0 else {
            self = .disabled
            return
        }
        precondition(capacity & (capacity - 1) == 0)
        let typed = memory.bindMemory(to: FlowEntry.self, capacity: capacity)
        typed.initialize(repeating: FlowEntry(), count: capacity)
        entries = typed
        mask = capacity - 1
    }

    init(entries: UnsafeMutablePointer<FlowEntry>?, mask: Int) {
        self.entries = entries
        self.mask = mask
    }

    public static func byteCount(capacity: Int) -> Int { capacity * MemoryLayout<FlowEntry>.stride }

    /// The cached (rule, path) of `key` under policy `identity`, or nil.
    @inlinable @inline(__always)
    public func lookup(_ key: FlowKey, identity: UInt64, hash: UInt64) -> FlowEntry.Result? {
        guard let entries else { return nil }
        let first = entries + Int(truncatingIfNeeded: hash) & mask
        if first.pointee.identity == identity && first.pointee.key.matches(key) { return first.pointee.result }
        let second = entries + Int(truncatingIfNeeded: hash >> 32) & mask
        if second.pointee.identity == identity && second.pointee.key.matches(key) { return second.pointee.result }
        return nil
    }

    /// Remembers a result: in the first slot unless it holds a current entry and the second
    /// does not; else over whichever one the hash picks.
    @inlinable @inline(__always)
    public func store(_ key: FlowKey, identity: UInt64, hash: UInt64, result: FlowEntry.Result) {
        guard let entries else { return }
        let first = entries + Int(truncatingIfNeeded: hash) & mask
        let second = entries + Int(truncatingIfNeeded: hash >> 32) & mask
        var slot = first
        if first.pointee.identity == identity && (second.pointee.identity != identity || hash & (1 << 63) != 0) {
            slot = second
        }
        slot.pointee = FlowEntry(key: key, identity: identity, result: result)
    }
}

/// The fields classification depends on, packed into six words. Address words hold the raw
/// header bytes (equality is all a key needs).
public struct FlowKey: BitwiseCopyable {
    public var meta: UInt64
    public var ports: UInt64
    public var a0: UInt64
    public var a1: UInt64
    public var a2: UInt64
    public var a3: UInt64

    @inlinable @inline(__always)
    public init(_ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int) {
        meta = UInt64(truncatingIfNeeded: ingress) | UInt64(parsed.dscp) << 16 | UInt64(parsed.vlan) << 24
            | UInt64(parsed.proto) << 40 | UInt64(parsed.kind.rawValue) << 56
        ports = UInt64(parsed.sport) | UInt64(parsed.dport) << 32
        if parsed.kind == .ipv4 {
            a0 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 12, as: UInt64.self)
            a1 = 0
            a2 = 0
            a3 = 0
        } else {
            a0 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 8, as: UInt64.self)
            a1 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 16, as: UInt64.self)
            a2 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 24, as: UInt64.self)
            a3 = frame.loadUnaligned(fromByteOffset: parsed.l3 &+ 32, as: UInt64.self)
        }
    }

    @inlinable @inline(__always)
    public func matches(_ other: FlowKey) -> Bool {
        (meta ^ other.meta) | (ports ^ other.ports) | (a0 ^ other.a0) | (a1 ^ other.a1) | (a2 ^ other.a2)
            | (a3 ^ other.a3) == 0
    }

    @inlinable @inline(__always)
    public var hash: UInt64 {
        var h = meta &* 0x9E37_79B9_7F4A_7C15
        h ^= ports &* 0xC2B2_AE3D_27D4_EB4F
        h ^= a0 &* 0x1656_67B1_9E37_79F9
        h ^= a1 &* 0x85EB_CA77_C2B2_AE63
        h ^= a2 &* 0x27D4_EB2F_1656_67C5
        h ^= a3 &* 0x9FB2_1C65_1E98_DF25
        return h ^ (h >> 29)
    }
}

/// One cache line: a key, the policy identity it was classified under, and the result.
public struct FlowEntry: BitwiseCopyable {
    public struct Result: BitwiseCopyable {
        /// The rule index (the default's slot when no rule matched).
        public var rule: Int32
        /// The `paths` entry that matched the final DSCP, or -1.
        public var path: Int32

        @inlinable
        public init(rule: Int32, path: Int32) {
            self.rule = rule
            self.path = path
        }
    }

    public var key: FlowKey
    /// 0: empty (identities start at 1).
    public var identity: UInt64
    public var result: Result

    @inlinable
    public init(key: FlowKey, identity: UInt64, result: Result) {
        self.key = key
        self.identity = identity
        self.result = result
    }

    public init() {
        key = FlowKey(meta: 0, ports: 0, a0: 0, a1: 0, a2: 0, a3: 0)
        identity = 0
        result = Result(rule: 0, path: -1)
    }
}

extension FlowKey {
    init(meta: UInt64, ports: UInt64, a0: UInt64, a1: UInt64, a2: UInt64, a3: UInt64) {
        self.meta = meta
        self.ports = ports
        self.a0 = a0
        self.a1 = a1
        self.a2 = a2
        self.a3 = a3
    }
}
