import CoreSupport
import Synchronization

/// An open-addressing table from MAC address to port, shared by every worker without locks.
///
/// A slot is two 64-bit words on the same cache line: the entry (the MAC in bits 0-47, port + 1
/// in bits 48-63; 0 = never used, `MACTable.removed` = aged out) and the clock tick it was last
/// refreshed at. Learners fill a slot with a compare-and-swap; only the control side's aging
/// sweep removes entries (to `removed`, so probe chains stay whole; learners reuse such slots).
/// Per port, the table counts the entries learned there, which the learning limit checks. Its
/// generation counts every change of which port a MAC is on (learned, moved, aged out), so a
/// worker's `RecentMACs` know when what they remember may have become wrong.
/// (Sendable: every word is atomic; that is the point of it.)
public struct MACTable: BitwiseCopyable, @unchecked Sendable {
    public var words: UnsafeMutablePointer<Atomic<UInt64>>
    /// Per port: the entries learned there (`MACTable.maxPorts` counters after the slots).
    public var counts: UnsafeMutablePointer<Atomic<Int>>
    /// Changes so far (on its own cache line after the counts).
    public var generation: UnsafeMutablePointer<Atomic<UInt64>>
    public var mask: Int
    public var shift: UInt64
    /// The tick learners stamp entries with: a worker sets its copy from the control side's clock
    /// once a round. An entry's stamp is written only when it differs (at most once a tick).
    public var clock: UInt64 = 0

    public static let maxProbes = 16
    public static let notFound = -1
    public static let maxPorts = 64
    /// A removed entry: its MAC bits are the broadcast address, which is never learned or looked up.
    public static let removed = UInt64.max
    /// Clock ticks per second.
    public static let ticksPerSecond: UInt64 = 4

    public enum LearnResult: UInt8 { case known, learned, moved, full, limited }

    /// Wraps `capacity` (a power of two) slots at `memory` (`byteCount(capacity:)` bytes), emptied.
    public init(memory: UnsafeMutableRawPointer, capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0)
        words = memory.bindMemory(to: Atomic<UInt64>.self, capacity: capacity * 2)
        for index in 0..<capacity * 2 { (words + index).initialize(to: Atomic(0)) }
        counts = (memory + capacity * 16).bindMemory(to: Atomic<Int>.self, capacity: MACTable.maxPorts)
        for port in 0..<MACTable.maxPorts { (counts + port).initialize(to: Atomic(0)) }
        generation = (memory + MACTable.generationOffset(capacity: capacity)).bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        generation.initialize(to: Atomic(0))
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    static func generationOffset(capacity: Int) -> Int { capacity * 16 + maxPorts * MemoryLayout<Int>.stride }

    public static func byteCount(capacity: Int) -> Int { generationOffset(capacity: capacity) + 64 }

    public var capacity: Int { mask + 1 }

    /// The slot a probe for `mac` begins at: the product's high bits. (A masking shift, which
    /// needs no test for the table of one slot, whose shift is 64 and mask 0.)
    @inlinable @inline(__always)
    func home(_ mac: UInt64) -> Int {
        Int(truncatingIfNeeded: MACTable.scramble(mac) &>> shift) & mask
    }

    /// The product whose high bits are `mac`'s home slot in every table (so one multiplication
    /// serves several tables).
    @inlinable @inline(__always)
    public static func scramble(_ mac: UInt64) -> UInt64 {
        mac &* 0x9E37_79B9_7F4A_7C15
    }

    @inlinable @inline(__always)
    func entry(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> { words + index &* 2 }

    @inlinable @inline(__always)
    func stamp(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> { words + (index &* 2 &+ 1) }

    /// Starts loading the slot a probe for the MAC that `scrambled` is of begins at (`home`).
    @inlinable @inline(__always)
    public func prefetch(scrambled: UInt64) {
        core_prefetch(UnsafeRawPointer(entry(Int(truncatingIfNeeded: scrambled &>> shift) & mask)))
    }

    /// Whether `mac` is learned on `port` in its home slot and was refreshed this tick: what most
    /// `learn` calls find, checked inline without the call.
    @inlinable @inline(__always)
    public func isFresh(_ mac: UInt64, port: Int) -> Bool {
        let index = home(mac)
        return entry(index).pointee.load(ordering: .relaxed) == mac | UInt64(port &+ 1) << 48
            && stamp(index).pointee.load(ordering: .relaxed) == clock
    }

    /// The port of `mac`, or `MACTable.notFound`.
    @inlinable @inline(__always)
    public func lookup(_ mac: UInt64) -> Int {
        var index = home(mac)
        var probes = 0
        while probes < MACTable.maxProbes {
            let current = entry(index).pointee.load(ordering: .relaxed)
            if current == 0 { return MACTable.notFound }
            if current & 0xFFFF_FFFF_FFFF == mac { return Int(current >> 48) &- 1 }
            index = (index &+ 1) & mask
            probes &+= 1
        }
        return MACTable.notFound
    }

    /// Records that `mac` is reachable through `port`, unless that would give `port` more than
    /// `limit` learned entries (`limit` < 0: no limit). Concurrent learners on other lcores are
    /// safe: a slot is claimed or re-pointed with a compare-and-swap, and a port's count is
    /// reserved before its entry is written.
    @inlinable @inline(__always)
    @discardableResult
    public func learn(_ mac: UInt64, port: Int, limit: Int = -1) -> LearnResult {
        let wanted = mac | UInt64(port &+ 1) << 48
        var attempts = 0
        while attempts < 4 {
            var index = home(mac)
            var probes = 0
            var free = -1
            var freeValue: UInt64 = 0
            while probes < MACTable.maxProbes {
                let current = entry(index).pointee.load(ordering: .relaxed)
                if current == 0 || current == MACTable.removed {
                    if free < 0 {
                        free = index
                        freeValue = current
                    }
                    if current == 0 { break }
                } else if current & 0xFFFF_FFFF_FFFF == mac {
                    if current == wanted {
                        refresh(index)
                        return .known
                    }
                    guard reserve(port, limit: limit) else { return .limited }
                    stamp(index).pointee.store(clock, ordering: .relaxed)
                    if entry(index).pointee.compareExchange(expected: current, desired: wanted, ordering: .relaxed).exchanged {
                        counts[Int(current >> 48) &- 1].subtract(1, ordering: .relaxed)
                        generation.pointee.add(1, ordering: .releasing)
                        return .moved
                    }
                    counts[port].subtract(1, ordering: .relaxed)
                    free = -2
                    break
                }
                index = (index &+ 1) & mask
                probes &+= 1
            }
            if free == -1 { return .full }
            if free >= 0 {
                guard reserve(port, limit: limit) else { return .limited }
                // The stamp first: the sweep reads an entry before its stamp, so it never sees this
                // entry with the stamp of the one that was removed from the slot.
                stamp(free).pointee.store(clock, ordering: .relaxed)
                if entry(free).pointee.compareExchange(expected: freeValue, desired: wanted, ordering: .releasing).exchanged {
                    generation.pointee.add(1, ordering: .releasing)
                    return .learned
                }
                counts[port].subtract(1, ordering: .relaxed)
            }
            attempts &+= 1
        }
        return .full
    }

    @inlinable @inline(__always)
    func refresh(_ index: Int) {
        let stamp = stamp(index)
        if stamp.pointee.load(ordering: .relaxed) != clock { stamp.pointee.store(clock, ordering: .relaxed) }
    }

    /// Takes one of `port`'s learning places, if it has one left under `limit`.
    @inlinable @inline(__always)
    func reserve(_ port: Int, limit: Int) -> Bool {
        let before = counts[port].add(1, ordering: .relaxed).oldValue
        if limit >= 0 && before >= limit {
            counts[port].subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Entries learned on `port` now.
    public func learnedCount(port: Int) -> Int { counts[port].load(ordering: .relaxed) }

    /// The control side's aging sweep: removes every entry last refreshed before tick `cutoff`
    /// and returns how many. Safe while workers learn (an entry refreshed or moved meanwhile is
    /// kept: the removal is a compare-and-swap from the entry as read).
    public func removeEntries(refreshedBefore cutoff: UInt64) -> Int {
        var removed = 0
        for index in 0...mask {
            let current = entry(index).pointee.load(ordering: .acquiring)
            guard current != 0 && current != MACTable.removed else { continue }
            guard stamp(index).pointee.load(ordering: .relaxed) < cutoff else { continue }
            if entry(index).pointee.compareExchange(expected: current, desired: MACTable.removed, ordering: .relaxed).exchanged {
                counts[Int(current >> 48) &- 1].subtract(1, ordering: .relaxed)
                removed += 1
            }
        }
        if removed > 0 { generation.pointee.add(1, ordering: .releasing) }
        return removed
    }

    /// Every entry with its port and the tick it was last refreshed at, for reports; not for the
    /// dataplane.
    public func entries() -> [(mac: MACAddress, port: Int, stamp: UInt64)] {
        (0...mask).compactMap { index in
            let current = entry(index).pointee.load(ordering: .acquiring)
            guard current != 0 && current != MACTable.removed else { return nil }
            return (MACAddress(bits: current), Int(current >> 48) - 1, stamp(index).pointee.load(ordering: .relaxed))
        }
    }
}
