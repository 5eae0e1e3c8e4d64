import CoreSupport
import Synchronization

/// An open-addressing table from MAC address to port, shared by every worker without locks.
/// A slot is one 64-bit word: the MAC in bits 0-47, port + 1 in bits 48-63 (0 = empty slot).
/// Slots are only ever filled or re-pointed, never emptied, so lookups need no retry.
public struct MACTable: BitwiseCopyable {
    public var slots: UnsafeMutablePointer<Atomic<UInt64>>
    public var mask: Int
    public var shift: UInt64

    public static let maxProbes = 16
    public static let notFound = -1

    public enum LearnResult: UInt8 { case known, learned, moved, full }

    /// Wraps `capacity` (a power of two) zeroed slots at `memory`.
    public init(memory: UnsafeMutableRawPointer, capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0)
        slots = memory.bindMemory(to: Atomic<UInt64>.self, capacity: capacity)
        for index in 0..<capacity { (slots + index).initialize(to: Atomic(0)) }
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    public static func byteCount(capacity: Int) -> Int { capacity * MemoryLayout<UInt64>.stride }

    @inlinable @inline(__always)
    func home(_ mac: UInt64) -> Int {
        shift == 64 ? 0 : Int(truncatingIfNeeded: (mac &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Starts loading the slot where a lookup of `mac` begins.
    @inlinable @inline(__always)
    public func prefetch(_ mac: UInt64) {
        core_prefetch(slots + home(mac))
    }

    /// The port of `mac`, or `MACTable.notFound`.
    @inlinable @inline(__always)
    public func lookup(_ mac: UInt64) -> Int {
        var index = home(mac)
        var probes = 0
        while probes < MACTable.maxProbes {
            let entry = slots[index].load(ordering: .relaxed)
            if entry == 0 { return MACTable.notFound }
            if entry & 0xFFFF_FFFF_FFFF == mac { return Int(entry >> 48) &- 1 }
            index = (index &+ 1) & mask
            probes &+= 1
        }
        return MACTable.notFound
    }

    /// Records that `mac` is reachable through `port`. Concurrent learners on other lcores are
    /// safe: an empty slot is claimed with a compare-and-swap.
    @inlinable @inline(__always)
    @discardableResult
    public func learn(_ mac: UInt64, port: Int) -> LearnResult {
        let entry = mac | UInt64(port &+ 1) << 48
        var index = home(mac)
        var probes = 0
        while probes < MACTable.maxProbes {
            var current = slots[index].load(ordering: .relaxed)
            if current == 0 {
                let (exchanged, found) = slots[index].compareExchange(
                    expected: 0, desired: entry, ordering: .relaxed)
                if exchanged { return .learned }
                current = found
            }
            if current & 0xFFFF_FFFF_FFFF == mac {
                if current == entry { return .known }
                slots[index].store(entry, ordering: .relaxed)
                return .moved
            }
            index = (index &+ 1) & mask
            probes &+= 1
        }
        return .full
    }

    /// Every (MAC, port) entry, for reports; not for the dataplane.
    public func entries() -> [(mac: MACAddress, port: Int)] {
        (0...mask).compactMap { index in
            let entry = slots[index].load(ordering: .relaxed)
            return entry == 0 ? nil : (MACAddress(bits: entry), Int(entry >> 48) - 1)
        }
    }
}
