/// A compiled rule list: "which rule matches this frame first". Each field maps the frame's value
/// to a class, each class to the bitset of rules that accept it; the first rule is the lowest set
/// bit of the AND of those bitsets. Lookup cost grows with rules / 64 words, never per rule.
public struct ClassifierImage: BitwiseCopyable {
    public var ruleCount: Int
    /// Bitset words per class: ceil(ruleCount / 64).
    public var words: Int
    /// The bitset of every rule, used for fields no rule constrains.
    public var all: UnsafePointer<UInt64>
    /// The first match per (ingress port * 64 + DSCP), when no rule constrains another field.
    public var byPortAndDSCP: UnsafePointer<Int32>?
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
        if let table = image.pointee.byPortAndDSCP { return Int(table[port &* 64 &+ Int(value)]) }
        let words = image.pointee.words
        let fc = image.pointee.from.classOf(port)
        let vc = image.pointee.vlan.classOf(Int(parsed.vlan))
        let pc = image.pointee.proto.classOf(Int(parsed.proto))
        let sc = image.pointee.sport.classOf(Int(parsed.sport))
        let dc = image.pointee.dport.classOf(Int(parsed.dport))
        let qc = image.pointee.dscp.classOf(Int(value))
        let source: UnsafePointer<UInt64>
        let destination: UnsafePointer<UInt64>
        var candidates: UInt64
        if parsed.kind == .ipv4 {
            let src = image.pointee.src4, dst = image.pointee.dst4
            let ac = src.classOf(frame, at: parsed.l3 &+ 12), bc = dst.classOf(frame, at: parsed.l3 &+ 16)
            source = src.bits + ac &* words
            destination = dst.bits + bc &* words
            candidates = src.summaries[ac] & dst.summaries[bc]
        } else {
            let src = image.pointee.src6, dst = image.pointee.dst6
            let ac = src.classOf(frame, at: parsed.l3 &+ 8), bc = dst.classOf(frame, at: parsed.l3 &+ 24)
            source = src.bits + ac &* words
            destination = dst.bits + bc &* words
            candidates = src.summaries[ac] & dst.summaries[bc]
        }
        let f = image.pointee.from.bits + fc &* words
        let v = image.pointee.vlan.bits + vc &* words
        let p = image.pointee.proto.bits + pc &* words
        let s = image.pointee.sport.bits + sc &* words
        let d = image.pointee.dport.bits + dc &* words
        let q = image.pointee.dscp.bits + qc &* words
        if words == 1 {
            let m = source[0] & destination[0] & v[0] & f[0] & p[0] & s[0] & d[0] & q[0]
            return m == 0 ? -1 : m.trailingZeroBitCount
        }
        if words <= 64 {
            // Only words where every field's class has some rule can hold a match: with many
            // rules most words drop out here, and the scan visits the rest.
            candidates &= image.pointee.from.summaries[fc] & image.pointee.vlan.summaries[vc]
                & image.pointee.proto.summaries[pc] & image.pointee.sport.summaries[sc]
                & image.pointee.dport.summaries[dc] & image.pointee.dscp.summaries[qc]
            while candidates != 0 {
                let w = candidates.trailingZeroBitCount
                let m = source[w] & destination[w] & v[w] & f[w] & p[w] & s[w] & d[w] & q[w]
                if m != 0 { return w &* 64 &+ m.trailingZeroBitCount }
                candidates &= candidates &- 1
            }
            return -1
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
    /// nil when no rule constrains the field (every value is class 0, whose bitset is every rule).
    public var classes: UnsafePointer<UInt16>?
    /// `words` bitset words per class.
    public var bits: UnsafePointer<UInt64>
    /// Per class: bit w is set when its bitset has a rule in word w (the first 64 words).
    public var summaries: UnsafePointer<UInt64>

    @inlinable @inline(__always)
    func classOf(_ value: Int) -> Int {
        guard let classes else { return 0 }
        return Int(classes[value])
    }
}

/// An address field: sorted interval starts (the first is 0), a class per interval.
public struct IntervalTable<Key: FixedWidthInteger & UnsignedInteger>: BitwiseCopyable {
    /// nil when no rule constrains the field (every address is class 0: every rule).
    public var starts: UnsafePointer<Key>?
    public var count: Int
    public var classes: UnsafePointer<UInt16>
    public var bits: UnsafePointer<UInt64>
    /// Per class: bit w is set when its bitset has a rule in word w (the first 64 words).
    public var summaries: UnsafePointer<UInt64>

    @inlinable @inline(__always)
    func classOf(_ frame: UnsafeRawPointer, at offset: Int) -> Int {
        guard let starts else { return 0 }
        let key = loadAddress(frame, offset)
        // The last interval that starts at or below `key` (the first starts at 0). Branch-free
        // (a conditional move; the package keeps LLVM from turning it back into a branch): the
        // halving runs the same steps for every key, so it never mispredicts.
        var low = 0
        var size = count
        while size > 1 {
            let half = size >> 1
            low = starts[low &+ half] <= key ? low &+ half : low
            size &-= half
        }
        return Int(classes[low])
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
