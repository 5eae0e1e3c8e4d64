import Synchronization

/// A worker's memory of what the MAC tables answered for recent addresses, across bursts: where
/// a destination is (a port, or unknown), and that a source is already learned on its port and
/// refreshed this clock tick. With many MACs in the traffic the per-burst `MACMemo` seldom hits,
/// and each frame would otherwise probe the static table and the shared learned table for its
/// source and its destination; a hit here is one probe of a small table the worker alone writes.
///
/// What is remembered is exact while nothing it depends on changed: an entry holds the learned
/// table's generation (which every learning, move and aging bumps) and the policy identity (the
/// static MACs) it was read under, and a source also the tick its stamp was refreshed at; the
/// worker reads the generation once a burst (`MACMemo.recentValidity`), and stops using this for
/// the rest of a burst in which it changed the table itself. Direct-mapped, 24 bytes an entry.
///
/// Traffic with more addresses than it holds (a busy uplink) finds little here and pays for the
/// probes and the writes besides the tables' own. Its `use` (see `plan`) then has the switch stage
/// go to the tables directly, their slots prefetched (`macPrefetchStage`), but for one burst in
/// eight, which looks here again so that traffic with fewer addresses brings it back.
public struct RecentMACs: BitwiseCopyable {
    public var entries: UnsafeMutablePointer<RecentMAC>?
    public var mask: Int
    public var shift: UInt64
    /// After the entries: what the worker's bursts found here.
    public var use: UnsafeMutablePointer<RecentMACsUse>?

    public static let defaultCapacity = 1024
    public static var disabled: RecentMACs { RecentMACs(entries: nil, mask: 0, shift: 64, use: nil) }

    public static func byteCount(capacity: Int) -> Int { capacity * MemoryLayout<RecentMAC>.stride + 64 }

    /// Wraps `capacity` (a power of two) entries at `memory`, emptied.
    public init(memory: UnsafeMutableRawPointer, capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0)
        let typed = memory.bindMemory(to: RecentMAC.self, capacity: capacity)
        typed.initialize(repeating: RecentMAC(entry: 0, validity: 0, tick: 0), count: capacity)
        entries = typed
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        let state = (memory + capacity * MemoryLayout<RecentMAC>.stride).bindMemory(to: RecentMACsUse.self, capacity: 1)
        state.initialize(to: RecentMACsUse())
        use = state
    }

    init(entries: UnsafeMutablePointer<RecentMAC>?, mask: Int, shift: UInt64, use: UnsafeMutablePointer<RecentMACsUse>?) {
        self.entries = entries
        self.mask = mask
        self.shift = shift
        self.use = use
    }

    /// For the next burst (of `count` frames): when the last burst that looked here missed more
    /// than once in two frames, prefetch the tables' slots, and skip this (`bypass`) but in one
    /// such burst in eight.
    @inlinable @inline(__always)
    public func plan(count: Int) -> (prefetch: Bool, bypass: Bool) {
        guard let use, use.pointee.unanswered &* 2 > count else { return (false, false) }
        use.pointee.bypassed &+= 1
        return (true, use.pointee.bypassed & 7 != 0)
    }

    /// The entry `mac` is remembered in (`entries` must be set): the product's high bits, by a
    /// masking shift (as `MACTable.home`).
    @inlinable @inline(__always)
    func slot(_ mac: UInt64) -> UnsafeMutablePointer<RecentMAC> {
        entries.unsafelyUnwrapped + (Int(truncatingIfNeeded: (mac &* 0x9E37_79B9_7F4A_7C15) &>> shift) & mask)
    }
}

/// What a worker's bursts found in its `RecentMACs`.
public struct RecentMACsUse {
    /// The look-ups (sources and destinations) the last burst that looked could not answer there.
    public var unanswered = 0
    /// Bursts planned while that was too many.
    public var bypassed: UInt64 = 0

    public init() {}
}

public struct RecentMAC: BitwiseCopyable {
    /// The MAC in bits 0-47, its port + 1 in bits 48-63 (0: not in either table).
    public var entry: UInt64
    /// The generation and policy identity it was read under (`MACMemo.recentValidity`); 0: empty.
    public var validity: UInt64
    /// For a source learned or refreshed on its port: the clock tick; else `UInt64.max`.
    public var tick: UInt64

    @inlinable
    public init(entry: UInt64, validity: UInt64, tick: UInt64) {
        self.entry = entry
        self.validity = validity
        self.tick = tick
    }
}

extension MACMemo {
    /// A burst's memo that consults and fills `recent`, valid for the learned table's current
    /// generation under policy `identity`.
    @inlinable @inline(__always)
    public init(recent: RecentMACs, learned: MACTable, identity: UInt32) {
        self.init()
        guard recent.entries != nil else { return }
        self.recent = recent
        recentValidity = learned.generation.pointee.load(ordering: .acquiring) << 32 | UInt64(identity)
    }

    /// Whether `source` is known to be learned on `ingress` (or static there) and refreshed at `clock`.
    @inlinable @inline(__always)
    mutating func recentlyLearned(_ source: UInt64, ingress: Int, clock: UInt64) -> Bool {
        guard recentValidity != 0 else { return false }
        let slot = recent.slot(source)
        let answered = slot.pointee.entry == source | UInt64(truncatingIfNeeded: ingress &+ 1) << 48
            && slot.pointee.validity == recentValidity && slot.pointee.tick == clock
        if !answered { recentMisses &+= 1 }
        return answered
    }

    @inlinable @inline(__always)
    func rememberLearned(_ source: UInt64, ingress: Int, clock: UInt64) {
        guard recentValidity != 0 else { return }
        recent.slot(source).pointee = RecentMAC(entry: source | UInt64(truncatingIfNeeded: ingress &+ 1) << 48,
                                                validity: recentValidity, tick: clock)
    }

    /// The port remembered for `destination` (`MACTable.notFound`: in neither table), or nil.
    @inlinable @inline(__always)
    mutating func recentPort(_ destination: UInt64) -> Int? {
        guard recentValidity != 0 else { return nil }
        let slot = recent.slot(destination)
        guard slot.pointee.entry & 0xFFFF_FFFF_FFFF == destination && slot.pointee.validity == recentValidity else {
            recentMisses &+= 1
            return nil
        }
        return Int(truncatingIfNeeded: slot.pointee.entry >> 48) &- 1
    }

    @inlinable @inline(__always)
    func rememberPort(_ destination: UInt64, port: Int) {
        guard recentValidity != 0 else { return }
        recent.slot(destination).pointee = RecentMAC(entry: destination | UInt64(truncatingIfNeeded: port &+ 1) << 48,
                                                     validity: recentValidity, tick: UInt64.max)
    }
}
