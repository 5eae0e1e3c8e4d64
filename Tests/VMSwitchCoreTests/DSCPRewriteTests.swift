import Testing
import Traffic
import VMSwitchCore

@Suite struct DSCPRewriteTests {
    func rewritten(_ frame: [UInt8], to dscp: UInt8) -> [UInt8] {
        var copy = frame
        let parsed = parse(frame)
        copy.withUnsafeMutableBytes {
            rewriteDSCP($0.baseAddress!, l3: parsed.l3, isIPv6: parsed.kind == .ipv6, to: dscp)
        }
        return copy
    }

    func headerChecksumIsValid(_ frame: [UInt8], l3: Int) -> Bool {
        let ihl = Int(frame[l3] & 0x0F) * 4
        return FrameBuilder.internetChecksum(frame[l3..<l3 + ihl]) == 0
    }

    @Test(arguments: 0..<64)
    func ipv4IncrementalChecksumEqualsFullRecompute(from: Int) {
        for ecn: UInt8 in 0...3 {
            for target: UInt8 in [0, 10, 46, 63] {
                var builder = v4Frame(dscp: UInt8(from), ecn: ecn, options: [1, 1, 1, 0])
                let before = builder.build()
                let after = rewritten(before, to: target)
                builder.dscp = target
                #expect(after == builder.build(), "from \(from) to \(target) ecn \(ecn)")
                #expect(headerChecksumIsValid(after, l3: 14))
                #expect(after[15] & 3 == ecn)
            }
        }
    }

    @Test func onlyTOSAndChecksumChange() {
        let before = v4Frame(dscp: 0, ecn: 2, tags: [(EtherType.vlan, 7)]).build()
        let after = rewritten(before, to: 46)
        let changed = before.indices.filter { before[$0] != after[$0] }
        #expect(Set(changed).isSubset(of: [18 + 1, 18 + 10, 18 + 11]))
        #expect(after[19] == 46 << 2 | 2)
    }

    @Test func corruptChecksumStaysExactlyAsCorrupt() {
        var before = v4Frame(dscp: 8).build()
        before[24] ^= 0x5A  // damage the checksum
        let after = rewritten(before, to: 40)
        let sumBefore = FrameBuilder.internetChecksum(before[14..<34])
        let sumAfter = FrameBuilder.internetChecksum(after[14..<34])
        #expect(sumBefore != 0 && sumBefore == sumAfter)
    }

    @Test func ipv6KeepsVersionFlowLabelAndECN() {
        let before = v6Frame(dscp: 0, ecn: 3, flowLabel: 0xFEDCB).build()
        let after = rewritten(before, to: 46)
        let parsed = parse(after)
        #expect(parsed.dscp == 46)
        #expect(after[14] >> 4 == 6)
        #expect(after[15] & 0x30 == 0x30)  // ECN bits, the low two of the traffic class
        #expect(after[15] & 0x0F == before[15] & 0x0F && after[16] == before[16] && after[17] == before[17])
        let changed = before.indices.filter { before[$0] != after[$0] }
        #expect(Set(changed).isSubset(of: [14, 15]))
    }

    @Test func checksumOfAllOnesCase() {
        // RFC 1624's example: eqn. 3 never yields 0xFFFF from a valid non-zero sum.
        #expect(updatedChecksum(0xDD2F, old: 0x5555, new: 0x3285) == 0x0000)
    }
}
