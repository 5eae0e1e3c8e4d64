/// The per-field tables of a `ClassifierImage`: each maps a field's value to its class, and
/// each class to the bitset of rules that accept it.

/// A field with a small domain: one class per value, read by index.
///
/// A field no rule constrains has a table of one entry (class 0, whose bitset is every rule) and
/// a `mask` of 0, so every value reads that entry: one AND where a test for a missing table and
/// its branch took three instructions more, for every field of every classified frame.
public struct DirectTable: BitwiseCopyable {
    /// The class of each value masked by `mask`.
    public var classes: UnsafePointer<UInt16>
    /// All ones, or 0 when no rule constrains the field.
    public var mask: Int
    /// `words` bitset words per class.
    public var bits: UnsafePointer<UInt64>

    @inlinable @inline(__always)
    func classOf(_ value: Int) -> UInt16 {
        classes[value & mask]
    }
}

/// An address field: sorted interval starts (the first is 0), a class per interval, and an index
/// of 65,536 blocks that narrows the search to the intervals of a key's block (usually one, so
/// most lookups are two loads).
///
/// An IPv4 block is a /16. An IPv6 table's index covers a window: the addresses whose leading
/// bits (at most 48) are those every start but the first shares (a policy's IPv6 prefixes mostly
/// lie in one site's /32 or /48), its blocks the next 16 bits. Indexing IPv6 by its top 16 bits
/// put every prefix under 2000::/16 into one block, searched in halving steps for every frame
/// (the bench's two /48s: five steps a frame of IPv6 over its two tables, counted by
/// callgrind). An address outside the window is below every start but the first (interval 0)
/// or above them all (the last).
public struct IntervalTable<Key: FixedWidthInteger & UnsignedInteger>: BitwiseCopyable {
    /// A field no rule constrains has one interval (from 0, class 0: every rule) and one block
    /// entry, which a `blockMask` of 0 makes every address read (as `DirectTable` does).
    public var starts: UnsafePointer<Key>
    public var count: Int
    public var classes: UnsafePointer<UInt16>
    public var bits: UnsafePointer<UInt64>
    /// 65,536 entries (one where no rule constrains the field): the first interval overlapping
    /// the block in the low 20 bits, how many do in the high 12 (4095: that many or more, search
    /// to the end).
    public var blocks: UnsafePointer<UInt32>
    /// 0xFFFF, or 0 where no rule constrains the field.
    public var blockMask: Int
    /// IPv6: the window's first and last address less its first, in their top 64 bits (0 and
    /// `UInt64.max`: every address), and the shift that leaves an address's block from its
    /// offset in the window (48 less the bits skipped).
    public var windowLow: UInt64
    public var windowSpan: UInt64
    public var windowShift: Int

    public static var spanLimit: UInt32 { 4095 }
    /// The most leading bits an IPv6 window skips: its blocks then lie in the top 64 bits.
    public static var windowSkipLimit: Int { 48 }

    @inlinable @inline(__always)
    func classOf(_ frame: UnsafeRawPointer, at offset: Int) -> UInt16 {
        classOf(address: loadAddress(frame, offset))
    }

    /// The class of an address (as a number: its first byte highest).
    @inlinable @inline(__always)
    func classOf(address key: Key) -> UInt16 {
        let entry: UInt32
        if Key.bitWidth == 32 {
            entry = blocks[Int(truncatingIfNeeded: key >> 16) & blockMask]
        } else {
            let top = UInt64(truncatingIfNeeded: key >> 64)
            let inWindow = top &- windowLow
            guard inWindow <= windowSpan else { return classes[top < windowLow ? 0 : count &- 1] }
            entry = blocks[Int(truncatingIfNeeded: inWindow &>> windowShift) & blockMask]
        }
        var low = Int(entry & 0xF_FFFF)
        var size = Int(entry >> 20)
        if size == Int(IntervalTable.spanLimit) { size = count &- low }
        // The last interval that starts at or below `key` (the block's first starts at or below
        // the block, so at or below `key`). The halving runs the same number of steps for every
        // key of a block.
        while size > 1 {
            let half = size >> 1
            low = starts[low &+ half] <= key ? low &+ half : low
            size &-= half
        }
        return classes[low]
    }

    @inlinable @inline(__always)
    func loadAddress(_ frame: UnsafeRawPointer, _ offset: Int) -> Key {
        if Key.bitWidth == 32 {
            return Key(truncatingIfNeeded: UInt32(bigEndian: frame.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        }
        let high = UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let low = UInt64(bigEndian: frame.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        return Key(truncatingIfNeeded: UInt128(high) << 64 | UInt128(low))
    }
}
