/// The flow key of the shapes most traffic has, read at fixed offsets: IPv4 with a 20-byte
/// header or IPv6 whose next header is TCP, UDP or SCTP, untagged or behind one VLAN tag, in a
/// frame of at least 58 bytes (every minimum-size frame). Anything else (options, extension
/// headers, two tags, a header that is not whole, a short frame) returns nil and is left to
/// `parseFrame`, whose result this equals wherever it answers (the differential test and the
/// fuzzer check it).
@inline(__always)
func commonShape(_ frame: UnsafeRawPointer, length: Int, ingress: Int, key: inout FlowKey) -> FrameShape? {
    guard length >= 58 else { return nil }
    var etherType = load16(frame, 12)
    var l3 = 14
    var vlan = UInt64(ParsedFrame.untagged)
    if etherType == EtherType.vlan || etherType == EtherType.qinq {
        etherType = load16(frame, 16)
        guard etherType != EtherType.vlan && etherType != EtherType.qinq else { return nil }
        vlan = UInt64(load16(frame, 14) & 0x0FFF)
        l3 = 18
    }
    let portsUnknown = FlowKey.packPorts(UInt64(ParsedFrame.unknownPort), UInt64(ParsedFrame.unknownPort))
    if etherType == EtherType.ipv4 {
        guard frame.load(fromByteOffset: l3, as: UInt8.self) == 0x45 else { return nil }
        let totalLength = load16(frame, l3 &+ 2)
        guard totalLength >= 20 else { return nil }
        let proto = frame.load(fromByteOffset: l3 &+ 9, as: UInt8.self)
        var ports = portsUnknown
        if carriesPorts(proto) && totalLength >= 24 && load16(frame, l3 &+ 6) & 0x1FFF == 0 {
            ports = FlowKey.packPorts(UInt64(load16(frame, l3 &+ 20)), UInt64(load16(frame, l3 &+ 22)))
        }
        let dscp = frame.load(fromByteOffset: l3 &+ 1, as: UInt8.self) >> 2
        key = FlowKey(meta: FlowKey.packMeta(ingress: ingress, dscp: dscp, vlan: vlan, proto: UInt64(proto), kind: .ipv4),
                      ports: ports, a0: frame.loadUnaligned(fromByteOffset: l3 &+ 12, as: UInt64.self), a1: 0, a2: 0, a3: 0)
        return FrameShape(kind: .ipv4, l3: UInt16(truncatingIfNeeded: l3))
    }
    if etherType == EtherType.ipv6 {
        guard length >= l3 &+ 44, frame.load(fromByteOffset: l3, as: UInt8.self) >> 4 == 6 else { return nil }
        let next = frame.load(fromByteOffset: l3 &+ 6, as: UInt8.self)
        let payloadLength = load16(frame, l3 &+ 4)
        // A zero payload length (a jumbogram) is bounded by the frame, which holds the ports.
        guard carriesPorts(next) && (payloadLength == 0 || payloadLength >= 4) else { return nil }
        let dscp = UInt8(truncatingIfNeeded: load16(frame, l3) >> 6) & 0x3F
        key = FlowKey(meta: FlowKey.packMeta(ingress: ingress, dscp: dscp, vlan: vlan, proto: UInt64(next), kind: .ipv6),
                      ports: FlowKey.packPorts(UInt64(load16(frame, l3 &+ 40)), UInt64(load16(frame, l3 &+ 42))),
                      a0: frame.loadUnaligned(fromByteOffset: l3 &+ 8, as: UInt64.self),
                      a1: frame.loadUnaligned(fromByteOffset: l3 &+ 16, as: UInt64.self),
                      a2: frame.loadUnaligned(fromByteOffset: l3 &+ 24, as: UInt64.self),
                      a3: frame.loadUnaligned(fromByteOffset: l3 &+ 32, as: UInt64.self))
        return FrameShape(kind: .ipv6, l3: UInt16(truncatingIfNeeded: l3))
    }
    return nil
}

@inline(__always)
func carriesPorts(_ proto: UInt8) -> Bool {
    proto == IPProtocol.tcp || proto == IPProtocol.udp || proto == IPProtocol.sctp
}
