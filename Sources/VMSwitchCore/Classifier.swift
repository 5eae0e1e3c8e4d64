/// A compiled rule list: "which rule matches this frame first". Each field maps the frame's value
/// to a class, each class to the bitset of rules that accept it; the first rule is the lowest set
/// bit of the AND of those bitsets. Lookup cost grows with rules / 64 words, never per rule.
public struct ClassifierImage: BitwiseCopyable {
    public var ruleCount: Int
    /// Bitset words per class: ceil(ruleCount / 64).
    public var words: Int
    /// The bitset of every rule, used for fields no rule constrains.
    public var all: UnsafePointer<UInt64>
    public var from: DirectTable
    public var vlan: DirectTable
    public var proto: DirectTable
    public var sport: DirectTable
    public var dport: DirectTable
    public var dscp: DirectTable
    public var src4: IntervalTable<UInt32>
    public var dst4: IntervalTable<UInt32>
    public var src6: IntervalTable<UInt128>
    public var dst6: IntervalTable<UInt128>

    /// The index of the first rule of `image` that accepts the frame, or -1. `frame` holds an
    /// IPv4 or IPv6 frame as parsed into `parsed`; `dscp` is the DSCP to match (paths match the
    /// final one). Takes the image by pointer: a copy of it would cost more than the lookup.
    @inlinable @inline(__always)
    public static func firstMatch(_ image: UnsafePointer<ClassifierImage>, _ frame: UnsafeRawPointer,
                                  _ parsed: ParsedFrame, from port: Int, dscp value: UInt8) -> Int {
        let words = image.pointee.words
        let all = image.pointee.all
        let f = image.pointee.from.bitset(port, words: words, all: all)
        let v = image.pointee.vlan.bitset(Int(parsed.vlan), words: words, all: all)
        let p = image.pointee.proto.bitset(Int(parsed.proto), words: words, all: all)
        let s = image.pointee.sport.bitset(Int(parsed.sport), words: words, all: all)
        let d = image.pointee.dport.bitset(Int(parsed.dport), words: words, all: all)
        let q = image.pointee.dscp.bitset(Int(value), words: words, all: all)
        let source: UnsafePointer<UInt64>
        let destination: UnsafePointer<UInt64>
        if parsed.kind == .ipv4 {
            source = image.pointee.src4.bitset(frame, at: parsed.l3 &+ 12, words: words, all: all)
            destination = image.pointee.dst4.bitset(frame, at: parsed.l3 &+ 16, words: words, all: all)
        } else {
            source = image.pointee.src6.bitset(frame, at: parsed.l3 &+ 8, words: words, all: all)
            destination = image.pointee.dst6.bitset(frame, at: parsed.l3 &+ 24, words: words, all: all)
        }
        var w = 0
        // Addresses and VLAN first: they rule out most rules of a large policy, so a word is
        // usually dismissed after three loads rather than eight.
        while w < words {
            var m = source[w] & destination[w] & v[w]
            if m != 0 {
                m &= f[w] & p[w] & s[w] & d[w] & q[w]
                if m != 0 { return w &* 64 &+ m.trailingZeroBitCount }
            }
            w &+= 1
        }
        return -1
    }
}

/// A field with a small domain: one class per value, read by index.
public struct DirectTable: BitwiseCopyable {
    /// nil when no rule constrains the field.
    public var classes: UnsafePointer<UInt16>?
    public var bits: UnsafePointer<UInt64>

    @inlinable @inline(__always)
    func bitset(_ value: Int, words: Int, all: UnsafePointer<UInt64>) -> UnsafePointer<UInt64> {
        guard let classes else { return all }
        return bits + Int(classes[value]) &* words
    }
}

/// An address field: sorted interval starts (the first is 0), a class per interval.
public struct IntervalTable<Key: FixedWidthInteger & UnsignedInteger>: BitwiseCopyable {
    /// nil when no rule constrains the field.
    public var starts: UnsafePointer<Key>?
    public var count: Int
    public var classes: UnsafePointer<UInt16>
    public var bits: UnsafePointer<UInt64>

    @inlinable @inline(__always)
    func bitset(_ frame: UnsafeRawPointer, at offset: Int, words: Int,
                all: UnsafePointer<UInt64>) -> UnsafePointer<UInt64> {
        guard let starts else { return all }
        let key = loadAddress(frame, offset)
        // The last interval that starts at or below `key` (the first starts at 0). Branch-free:
        // the halving runs the same steps for every key, so it never mispredicts.
        var low = 0
        var size = count
        while size > 1 {
            let half = size >> 1
            low = starts[low &+ half] <= key ? low &+ half : low
            size &-= half
        }
        return bits + Int(classes[low]) &* words
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
