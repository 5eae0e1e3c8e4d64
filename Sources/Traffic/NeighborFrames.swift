import VMSwitchCore

/// Address resolution frames, as VMs send them (and as spoofers forge them).
extension FrameBuilder {
    /// An Ethernet/IPv4 ARP request (to broadcast) or reply (to `target`) from `sender`.
    public static func arp(from sender: MACAddress, ip senderIP: UInt32, to target: MACAddress = .broadcast,
                           targetIP: UInt32, reply: Bool = false) -> FrameBuilder {
        let targetHardware = reply ? target.octets : [UInt8](repeating: 0, count: 6)
        let payload = be16(1) + be16(EtherType.ipv4) + [6, 4] + be16(reply ? 2 : 1) + sender.octets + be32(senderIP)
            + targetHardware + be32(targetIP)
        return FrameBuilder(dstMAC: target, srcMAC: sender, network: .other(etherType: 0x0806, payload: payload))
    }

    /// An ICMPv6 Neighbor Advertisement (RFC 4861) from `source` saying that `target` is at `mac`,
    /// with its checksum.
    public static func neighborAdvertisement(from mac: MACAddress, source: UInt128, to destinationMAC: MACAddress,
                                             destination: UInt128, target: UInt128) -> [UInt8] {
        var icmp: [UInt8] = [136, 0, 0, 0, 0x60, 0, 0, 0] + be128(target) + [2, 1] + mac.octets
        let pseudo = be128(source) + be128(destination) + be32(UInt32(icmp.count)) + [0, 0, 0, IPProtocol.icmpv6]
        let checksum = FrameBuilder.internetChecksum(pseudo + icmp)
        icmp[2] = UInt8(checksum >> 8)
        icmp[3] = UInt8(checksum & 0xFF)
        let header: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(icmp.count)) + [IPProtocol.icmpv6, 255] + be128(source)
            + be128(destination)
        return destinationMAC.octets + mac.octets + be16(EtherType.ipv6) + header + icmp
    }
}
