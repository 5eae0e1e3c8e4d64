import VMSwitchCore

/// Builds Ethernet frames byte by byte: for tests, the demo's sample traffic and the bench.
public struct FrameBuilder: Sendable {
    public enum Network: Sendable {
        case ipv4(src: UInt32, dst: UInt32, options: [UInt8] = [], fragmentOffset: UInt16 = 0,
                  moreFragments: Bool = false)
        case ipv6(src: UInt128, dst: UInt128, extensions: [IPv6Extension] = [], flowLabel: UInt32 = 0)
        /// Any other ethertype, with its payload.
        case other(etherType: UInt16, payload: [UInt8])
    }

    public struct IPv6Extension: Sendable {
        public var type: UInt8
        public var body: [UInt8]

        /// A Hop-by-Hop, Routing or Destination Options header of `8 * (units + 1)` bytes.
        public static func options(_ type: UInt8, units: Int = 0) -> IPv6Extension {
            IPv6Extension(type: type, body: [UInt8](repeating: 0, count: 6 + 8 * units))
        }

        public static func fragment(offset: UInt16, more: Bool = false) -> IPv6Extension {
            let field = offset << 3 | (more ? 1 : 0)
            return IPv6Extension(type: IPProtocol.fragment,
                                 body: [UInt8(field >> 8), UInt8(field & 0xFF), 0, 0, 0x12, 0x34])
        }
    }

    public var dstMAC: MACAddress
    public var srcMAC: MACAddress
    /// VLAN tags, outermost first: (TPID, TCI).
    public var tags: [(tpid: UInt16, tci: UInt16)] = []
    public var network: Network
    public var dscp: UInt8 = 0
    public var ecn: UInt8 = 0
    public var proto: UInt8 = IPProtocol.udp
    public var sport: UInt16 = 1234
    public var dport: UInt16 = 5678
    /// Bytes after the L4 header (or after the IP header for protocols without one here).
    public var payload: [UInt8] = []
    /// Pads the frame with zeros to at least this many bytes (60 = Ethernet minimum without FCS).
    public var minimumLength = 60
    public var ttl: UInt8 = 64

    public init(dstMAC: MACAddress, srcMAC: MACAddress, network: Network) {
        self.dstMAC = dstMAC
        self.srcMAC = srcMAC
        self.network = network
    }

    public func build() -> [UInt8] {
        var frame = dstMAC.octets + srcMAC.octets
        for tag in tags { frame += be16(tag.tpid) + be16(tag.tci) }
        switch network {
        case .ipv4(let src, let dst, let options, let fragmentOffset, let more):
            frame += be16(EtherType.ipv4)
            let transport = transportBytes(ipv6: false, noPorts: fragmentOffset != 0)
            let headerLength = 20 + options.count
            var header: [UInt8] = [UInt8(0x40 | headerLength / 4), dscp << 2 | ecn & 3]
            header += be16(UInt16(headerLength + transport.count))
            header += be16(0x1234) + be16(fragmentOffset | (more ? 0x2000 : 0))
            header += [ttl, proto, 0, 0] + be32(src) + be32(dst) + options
            let checksum = FrameBuilder.internetChecksum(header)
            header[10] = UInt8(checksum >> 8)
            header[11] = UInt8(checksum & 0xFF)
            frame += header + transport
        case .ipv6(let src, let dst, let extensions, let flowLabel):
            frame += be16(EtherType.ipv6)
            let trafficClass = UInt32(dscp << 2 | ecn & 3)
            var chain: [UInt8] = []
            for (index, ext) in extensions.enumerated() {
                let next = index + 1 < extensions.count ? extensions[index + 1].type : proto
                let lengthUnits = ext.type == IPProtocol.fragment ? 0 : (ext.body.count + 2) / 8 - 1
                chain += [next, UInt8(lengthUnits)] + ext.body
            }
            let laterFragment = extensions.contains { $0.type == IPProtocol.fragment && ($0.body[0] != 0 || $0.body[1] & 0xF8 != 0) }
            let transport = transportBytes(ipv6: true, noPorts: laterFragment)
            frame += be32(6 << 28 | trafficClass << 20 | flowLabel & 0xFFFFF)
            frame += be16(UInt16(chain.count + transport.count))
            frame += [extensions.first?.type ?? proto, ttl]
            frame += be128(src) + be128(dst) + chain + transport
        case .other(let etherType, let payload):
            frame += be16(etherType) + payload
        }
        if frame.count < minimumLength { frame += [UInt8](repeating: 0, count: minimumLength - frame.count) }
        return frame
    }

    private func transportBytes(ipv6: Bool, noPorts: Bool) -> [UInt8] {
        if noPorts { return payload }
        switch proto {
        case IPProtocol.udp: return be16(sport) + be16(dport) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
        case IPProtocol.tcp:
            return be16(sport) + be16(dport) + be32(1) + be32(0) + [0x50, 0x02] + be16(8192) + [0, 0, 0, 0] + payload
        case IPProtocol.sctp: return be16(sport) + be16(dport) + be32(0) + be32(0) + payload
        case IPProtocol.icmp, IPProtocol.icmpv6: return [8, 0, 0, 0, 0, 1, 0, 1] + payload
        default: return payload
        }
    }

    /// The Internet checksum (RFC 1071) of `bytes`.
    public static func internetChecksum(_ bytes: some Collection<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var iterator = bytes.makeIterator()
        while let high = iterator.next() {
            let low = iterator.next() ?? 0
            sum += UInt32(high) << 8 | UInt32(low)
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xFFFF)) }
func be128(_ v: UInt128) -> [UInt8] { (0..<16).map { UInt8(truncatingIfNeeded: v >> (120 - 8 * $0)) } }
