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
        return firstMatch(image, FieldClasses(image, frame, parsed, from: port, dscp: value))
    }

    /// The first rule that every one of `classes` accepts, or -1: the AND of their bitsets,
    /// word by word.
    @inlinable @inline(__always)
    public static func firstMatch(_ image: UnsafePointer<ClassifierImage>, _ classes: FieldClasses) -> Int {
        let words = image.pointee.words
        let f = image.pointee.from.bits + Int(classes.from) &* words
        let v = image.pointee.vlan.bits + Int(classes.vlan) &* words
        let p = image.pointee.proto.bits + Int(classes.proto) &* words
        let s = image.pointee.sport.bits + Int(classes.sport) &* words
        let d = image.pointee.dport.bits + Int(classes.dport) &* words
        let q = image.pointee.dscp.bits + Int(classes.dscp) &* words
        let source = (classes.ipv6 ? image.pointee.src6.bits : image.pointee.src4.bits) + Int(classes.source) &* words
        let destination = (classes.ipv6 ? image.pointee.dst6.bits : image.pointee.dst4.bits)
            + Int(classes.destination) &* words
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

extension ClassifierImage {
    /// `firstMatch` for a policy of at most 64 rules (`words == 1`), given the bitset of the
    /// ingress port's class (`portBits`, the same for a whole burst): one AND of the other seven
    /// fields' words, every field read from the IP frame's flow key (not from the frame). Cheaper
    /// than a rule-cache probe, which is for policies that take several words (see `RuleCache`).
    @inlinable @inline(__always)
    public static func firstMatchInOneWord(_ image: UnsafePointer<ClassifierImage>, portBits: UInt64,
                                           _ key: FlowKey) -> Int {
        // The addresses first: the other fields' words are then ANDed as they are read, and
        // fewer of them wait in registers (or on the stack) across the family's branch.
        var accepted: UInt64
        if key.isIPv6 {
            accepted = image.pointee.src6.bits[Int(image.pointee.src6.classOf(address: key.ipv6Source))]
                & image.pointee.dst6.bits[Int(image.pointee.dst6.classOf(address: key.ipv6Destination))]
        } else {
            accepted = image.pointee.src4.bits[Int(image.pointee.src4.classOf(address: key.ipv4Source))]
                & image.pointee.dst4.bits[Int(image.pointee.dst4.classOf(address: key.ipv4Destination))]
        }
        accepted &= portBits
        accepted &= image.pointee.vlan.bits[Int(image.pointee.vlan.classOf(key.vlan))]
        accepted &= image.pointee.proto.bits[Int(image.pointee.proto.classOf(key.proto))]
        accepted &= image.pointee.sport.bits[Int(image.pointee.sport.classOf(key.sport))]
        accepted &= image.pointee.dport.bits[Int(image.pointee.dport.classOf(key.dport))]
        accepted &= image.pointee.dscp.bits[Int(image.pointee.dscp.classOf(key.dscp))]
        return accepted == 0 ? -1 : accepted.trailingZeroBitCount
    }

    /// The bitset word of the ingress port's class (policies of at most 64 rules).
    @inlinable @inline(__always)
    public static func portBits(_ image: UnsafePointer<ClassifierImage>, from port: Int) -> UInt64 {
        image.pointee.from.bits[Int(image.pointee.from.classOf(port))]
    }
}

/// A frame seen through one classifier: the class of each field's value. Frames with equal
/// classes are accepted by the same rules, so the classes are a key for the first match.
public struct FieldClasses: BitwiseCopyable, Equatable {
    public var from: UInt16
    public var vlan: UInt16
    public var proto: UInt16
    public var sport: UInt16
    public var dport: UInt16
    public var dscp: UInt16
    public var source: UInt16
    public var destination: UInt16
    public var ipv6: Bool

    /// The classes packed by `words`.
    @inlinable @inline(__always)
    public init(words: (UInt64, UInt64), ipv6: Bool) {
        from = UInt16(truncatingIfNeeded: words.0)
        vlan = UInt16(truncatingIfNeeded: words.0 >> 16)
        proto = UInt16(truncatingIfNeeded: words.0 >> 32)
        sport = UInt16(truncatingIfNeeded: words.0 >> 48)
        dport = UInt16(truncatingIfNeeded: words.1)
        dscp = UInt16(truncatingIfNeeded: words.1 >> 16)
        source = UInt16(truncatingIfNeeded: words.1 >> 32)
        destination = UInt16(truncatingIfNeeded: words.1 >> 48)
        self.ipv6 = ipv6
    }

    @inlinable @inline(__always)
    public init(_ image: UnsafePointer<ClassifierImage>, _ frame: UnsafeRawPointer, _ parsed: ParsedFrame,
                from port: Int, dscp value: UInt8) {
        from = image.pointee.from.classOf(port)
        vlan = image.pointee.vlan.classOf(Int(parsed.vlan))
        proto = image.pointee.proto.classOf(Int(parsed.proto))
        sport = image.pointee.sport.classOf(Int(parsed.sport))
        dport = image.pointee.dport.classOf(Int(parsed.dport))
        dscp = image.pointee.dscp.classOf(Int(value))
        ipv6 = parsed.kind == .ipv6
        if ipv6 {
            source = image.pointee.src6.classOf(frame, at: parsed.l3 &+ 8)
            destination = image.pointee.dst6.classOf(frame, at: parsed.l3 &+ 24)
        } else {
            source = image.pointee.src4.classOf(frame, at: parsed.l3 &+ 12)
            destination = image.pointee.dst4.classOf(frame, at: parsed.l3 &+ 16)
        }
    }

    /// The eight classes packed into two words (the family is not in them).
    @inlinable @inline(__always)
    public var words: (UInt64, UInt64) {
        (UInt64(from) | UInt64(vlan) << 16 | UInt64(proto) << 32 | UInt64(sport) << 48,
         UInt64(dport) | UInt64(dscp) << 16 | UInt64(source) << 32 | UInt64(destination) << 48)
    }
}
