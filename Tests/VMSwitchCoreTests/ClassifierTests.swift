import Testing
import Traffic
import VMSwitchCore

@Suite struct ClassifierTests {
    func firstRule(_ rules: [FrameMatch], _ frame: [UInt8], from port: Int = 0) throws -> Int {
        let policy = try CompiledPolicy(SwitchPolicy(
            ports: ports("a", "b", "c"),
            rules: rules.enumerated().map { QoSRule(name: "r\($0)", match: $1, assignment: .keep) }))
        let parsed = parse(frame)
        let image = policy.image.rules
        return frame.withUnsafeBytes {
            let rule = ClassifierImage.firstMatch(image, $0.baseAddress!, parsed, from: port, dscp: parsed.dscp)
            // The burst's path for <= 64 rules, from the IP frame's flow key.
            if image.pointee.words == 1 && image.pointee.byPortAndDSCP == nil && (parsed.kind == .ipv4 || parsed.kind == .ipv6) {
                let portBits = ClassifierImage.portBits(image, from: port)
                let key = FlowKey($0.baseAddress!, parsed, ingress: port)
                #expect(ClassifierImage.firstMatchInOneWord(image, portBits: portBits, key) == rule)
            }
            return rule
        }
    }

    @Test func eachFieldMatchesAndMisses() throws {
        let frame = v4Frame(src: "10.1.2.3", dst: "192.168.1.9", proto: IPProtocol.tcp, sport: 2000,
                            dport: 443, tags: [(EtherType.vlan, 100)]).build()
        let hits: [FrameMatch] = [
            FrameMatch(from: [0]), FrameMatch(vlan: [100...100]),
            FrameMatch(src: [try IPPrefix(parsing: "10.0.0.0/8")]),
            FrameMatch(dst: [try IPPrefix(parsing: "192.168.1.0/24")]),
            FrameMatch(proto: [IPProtocol.tcp]), FrameMatch(sport: [1024...65535]),
            FrameMatch(dport: [443...443]),
        ]
        let misses: [FrameMatch] = [
            FrameMatch(from: [1, 2]), FrameMatch(vlan: [101...4095]),
            FrameMatch(src: [try IPPrefix(parsing: "10.1.2.4/32")]),
            FrameMatch(dst: [try IPPrefix(parsing: "192.168.0.0/24")]),
            FrameMatch(proto: [IPProtocol.udp]), FrameMatch(sport: [0...1999]),
            FrameMatch(dport: [444...65535]),
        ]
        for hit in hits { #expect(try firstRule([hit], frame) == 0, "\(hit)") }
        for miss in misses { #expect(try firstRule([miss], frame) == -1, "\(miss)") }
        #expect(try firstRule(hits, frame) == 0)
        #expect(try firstRule(misses + hits, frame) == misses.count)
    }

    /// Paths that name only ingress ports and DSCPs are answered from a (port, DSCP) table:
    /// it must give the first match a scan gives, for every port and DSCP.
    @Test func portAndDSCPTableEqualsAScan() throws {
        var random = SplitMix(seed: 7)
        for _ in 0..<20 {
            let paths = (0..<Int(random.next() % 6 + 1)).map { _ in
                PathRule(dscps: (0..<3).map { _ in DSCP(Int(random.next() % 64))! },
                         from: random.chance(2) ? [Int(random.next() % 3)] : nil, action: .drop)
            }
            let policy = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b", "c"), paths: paths))
            #expect(policy.image.paths.pointee.byPortAndDSCP != nil)
            let frame = v4Frame().build()
            for port in 0..<3 {
                for dscp in UInt8(0)..<64 {
                    let expected = paths.firstIndex { ($0.from?.contains(port) ?? true) && $0.dscps.contains(DSCP(Int(dscp))!) } ?? -1
                    let found = frame.withUnsafeBytes {
                        ClassifierImage.firstMatch(policy.image.paths, $0.baseAddress!, parse(frame), from: port, dscp: dscp)
                    }
                    #expect(found == expected, "port \(port) dscp \(dscp)")
                }
            }
        }
        let withAddress = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b"), paths: [
            PathRule(dscps: [DSCP(46)!], dst: [try IPPrefix(parsing: "10.0.0.0/8")], action: .drop),
        ]))
        #expect(withAddress.image.paths.pointee.byPortAndDSCP == nil)
    }

    @Test func familiesNeverCross() throws {
        let v4Rule = FrameMatch(src: [try IPPrefix(parsing: "0.0.0.0/0")])
        let v6Rule = FrameMatch(dst: [try IPPrefix(parsing: "::/0")])
        #expect(try firstRule([v4Rule, v6Rule], v4Frame().build()) == 0)
        #expect(try firstRule([v4Rule, v6Rule], v6Frame().build()) == 1)
        let both = FrameMatch(src: [try IPPrefix(parsing: "10.0.0.0/8"), try IPPrefix(parsing: "2001:db8::/32")])
        #expect(try firstRule([both], v4Frame().build()) == 0)
        #expect(try firstRule([both], v6Frame().build()) == 0)
    }

    @Test func unknownFieldsNeverMatchAConstraint() throws {
        let icmp = v4Frame(proto: IPProtocol.icmp).build()
        #expect(try firstRule([FrameMatch(sport: [0...65535])], icmp) == -1)
        #expect(try firstRule([FrameMatch(vlan: [0...4095])], v4Frame().build()) == -1)
        let deep = v6Frame(extensions: .init(repeating: .options(IPProtocol.destinationOptions), count: 9)).build()
        #expect(try firstRule([FrameMatch(proto: [IPProtocol.udp])], deep) == -1)
        #expect(try firstRule([FrameMatch(proto: [IPProtocol.udp]), FrameMatch()], deep) == 1)
    }

    @Test func ipv6PrefixesAtEveryLength() throws {
        let frame = v6Frame(src: "2001:db8:abcd:12::1").build()
        for length in stride(from: 0, through: 128, by: 4) {
            let address = ipv6Address("2001:db8:abcd:12::1")
            let covering = length == 0 ? UInt128(0) : address & ~UInt128(0) << (128 - length)
            let prefix = IPPrefix.v6(address: covering, length: length)
            #expect(try firstRule([FrameMatch(src: [prefix])], frame) == 0, "/\(length)")
        }
    }

    /// Prefixes that all lie in one block of the address space (10/8, 2001:db8::/32) are indexed
    /// by the bits after what they share: addresses below, at and above that window's edges and
    /// every prefix's get the answers a scan gives. With a prefix from 0 (/5, ::/3) the window
    /// starts above 0 and the addresses below it are in a rule's prefix; those above it are in none.
    @Test func sharedLeadingBitsAgreeWithAScanAtTheirEdges() throws {
        let rules4 = try ["0.0.0.0/5", "10.1.2.0/24", "10.1.3.128/25", "10.200.0.0/13", "10.255.255.255/32"].map {
            FrameMatch(src: [try IPPrefix(parsing: $0)], dst: [try IPPrefix(parsing: $0)])
        }
        let rules6 = try ["::/3", "2001:db8:1::/48", "2001:db8:2:8000::/49", "2001:db8:ffff:ffff::/64"].map {
            FrameMatch(src: [try IPPrefix(parsing: $0)], dst: [try IPPrefix(parsing: $0)])
        }
        let addresses4 = ["0.0.0.0", "7.255.255.255", "8.0.0.0", "9.255.255.255", "10.0.0.0", "10.1.1.255",
                          "10.1.2.0", "10.1.2.255", "10.1.3.0", "10.1.3.127", "10.1.3.128", "10.1.3.255",
                          "10.199.255.255", "10.200.0.0", "10.207.255.255", "10.208.0.0", "10.255.255.254",
                          "10.255.255.255", "11.0.0.0", "12.0.0.0", "255.255.255.255"]
        let addresses6 = ["::", "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2000::",
                          "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::", "2001:db8:0:ffff::1", "2001:db8:1::",
                          "2001:db8:1:ffff:ffff:ffff:ffff:ffff", "2001:db8:2::", "2001:db8:2:7fff::1",
                          "2001:db8:2:8000::", "2001:db8:2:ffff:ffff:ffff:ffff:ffff", "2001:db8:3::",
                          "2001:db8:ffff:ffff::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::",
                          "2002::", "fe80::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]
        // Each address as a source, with another of the list as the destination.
        let frames4 = addresses4.indices.map {
            (addresses4[$0], v4Frame(src: addresses4[$0], dst: addresses4[($0 + 7) % addresses4.count]).build())
        }
        let frames6 = addresses6.indices.map {
            (addresses6[$0], v6Frame(src: addresses6[$0], dst: addresses6[($0 + 5) % addresses6.count]).build())
        }
        for (rules, frames) in [(rules4, frames4), (rules6, frames6)] {
            for (source, frame) in frames {
                for ordered in [rules, Array(rules.reversed()), Array(rules.dropFirst())] {
                    for set in [ordered, ordered.map { FrameMatch(src: $0.src) }] {
                        let expected = set.firstIndex { linearMatch($0, parse(frame), frame, port: 0) } ?? -1
                        #expect(try firstRule(set, frame) == expected, "\(source)")
                    }
                }
            }
        }
    }

    /// The same answers as a plain first-match scan, on 300 random rules and frames.
    /// 64 rules take one bitset word (the burst's one-word path), 300 take five.
    @Test(arguments: [64, 300]) func agreesWithLinearScan(ruleCount: Int) throws {
        var generator = SplitMix(seed: 7)
        let prefixes = try ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "192.168.0.0/16", "2001:db8::/32",
                            "2001:db8:1::/48", "0.0.0.0/0"].map { try IPPrefix(parsing: $0) }
        var rules: [FrameMatch] = []
        for _ in 0..<ruleCount {
            var match = FrameMatch()
            if generator.chance(3) { match.from = [Int(generator.next() % 3)] }
            if generator.chance(4) { match.src = [prefixes[Int(generator.next() % 7)]] }
            if generator.chance(4) { match.dst = [prefixes[Int(generator.next() % 7)]] }
            if generator.chance(3) { match.proto = [[IPProtocol.tcp, IPProtocol.udp, 1][Int(generator.next() % 3)]] }
            if generator.chance(3) {
                let low = UInt16(generator.next() % 60000)
                match.dport = [low...low + UInt16(generator.next() % 5000)]
            }
            if generator.chance(6) { match.vlan = [UInt16(generator.next() % 4)...UInt16(generator.next() % 4 + 3)] }
            rules.append(match)
        }
        let addresses = ["10.1.2.3", "10.1.9.9", "10.200.0.1", "192.168.4.4", "8.8.8.8"]
        let addresses6 = ["2001:db8:1::5", "2001:db8:2::5", "2001:db9::1"]
        for _ in 0..<300 {
            let frame: [UInt8]
            let dport = UInt16(generator.next() % 65536)
            let proto = [IPProtocol.tcp, IPProtocol.udp, 1][Int(generator.next() % 3)]
            let tags: [(UInt16, UInt16)] = generator.chance(2) ? [(EtherType.vlan, UInt16(generator.next() % 8))] : []
            if generator.chance(3) {
                frame = v6Frame(src: addresses6[Int(generator.next() % 3)], dst: addresses6[Int(generator.next() % 3)],
                                proto: proto, dport: dport).build()
            } else {
                frame = v4Frame(src: addresses[Int(generator.next() % 5)], dst: addresses[Int(generator.next() % 5)],
                                proto: proto, dport: dport, tags: tags).build()
            }
            let port = Int(generator.next() % 3)
            let expected = rules.firstIndex { linearMatch($0, parse(frame), frame, port: port) } ?? -1
            #expect(try firstRule(rules, frame, from: port) == expected)
        }
    }

    func linearMatch(_ match: FrameMatch, _ parsed: ParsedFrame, _ frame: [UInt8], port: Int) -> Bool {
        func address(_ offset: Int, _ width: Int) -> UInt128 {
            frame[parsed.l3 + offset..<parsed.l3 + offset + width].reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        }
        let v6 = parsed.kind == .ipv6
        let src = v6 ? address(8, 16) : address(12, 4)
        let dst = v6 ? address(24, 16) : address(16, 4)
        func inPrefixes(_ list: [IPPrefix]?, _ value: UInt128) -> Bool {
            guard let list else { return true }
            return list.contains { $0.isIPv4 != v6 && $0.contains(value) }
        }
        func inRanges(_ list: [ClosedRange<UInt16>]?, _ value: UInt32) -> Bool {
            guard let list else { return true }
            return value <= 65535 && list.contains { $0.contains(UInt16(value)) }
        }
        return (match.from?.contains(port) ?? true)
            && (match.vlan.map { list in parsed.vlan < 4096 && list.contains { $0.contains(parsed.vlan) } } ?? true)
            && inPrefixes(match.src, src) && inPrefixes(match.dst, dst)
            && (match.proto.map { parsed.proto < 256 && $0.contains(UInt8(parsed.proto)) } ?? true)
            && inRanges(match.sport, parsed.sport) && inRanges(match.dport, parsed.dport)
    }

    /// Every source and destination port (and the unknown one of a fragment) classified, against
    /// a scan of the rules' ranges: ranges of one port, at both ends of the space, overlapping.
    @Test func everyPortAgreesWithAScan() throws {
        let rules: [FrameMatch] = [
            FrameMatch(dport: [5060...5069]), FrameMatch(sport: [255...256], dport: [0...0]),
            FrameMatch(dport: [511...1024, 40000...40000]), FrameMatch(sport: [1024...65535], dport: [1000...2999]),
            FrameMatch(dport: [65535...65535]), FrameMatch(sport: [0...1023]),
        ]
        let policy = try CompiledPolicy(SwitchPolicy(
            ports: ports("a"), rules: rules.enumerated().map { QoSRule(name: "r\($0)", match: $1, assignment: .keep) }))
        let image = policy.image.rules
        var frame = v4Frame(sport: 1, dport: 1).build()
        let l4 = parse(frame).l3 + 20  // the UDP header, after an IPv4 header without options
        for port in 0...65536 {
            let sport = UInt32(port), dport = UInt32(65536 - port)
            frame[l4] = UInt8(truncatingIfNeeded: sport >> 8)
            frame[l4 + 1] = UInt8(truncatingIfNeeded: sport)
            frame[l4 + 2] = UInt8(truncatingIfNeeded: dport >> 8)
            frame[l4 + 3] = UInt8(truncatingIfNeeded: dport)
            var parsed = parse(frame)
            if port == 65536 { parsed.sport = ParsedFrame.unknownPort }
            if port == 0 { parsed.dport = ParsedFrame.unknownPort }
            let expected = rules.firstIndex { linearMatch($0, parsed, frame, port: 0) } ?? -1
            let found = frame.withUnsafeBytes {
                ClassifierImage.firstMatchInOneWord(image, portBits: ClassifierImage.portBits(image, from: 0),
                                                    FlowKey($0.baseAddress!, parsed, ingress: 0))
            }
            if found != expected {
                Issue.record("sport \(parsed.sport) dport \(parsed.dport): rule \(found), expected \(expected)")
                return
            }
        }
    }

    @Test func manyRulesSpanSeveralWords() throws {
        var rules = (0..<1000).map { FrameMatch(dport: [UInt16($0)...UInt16($0)]) }
        rules.append(FrameMatch())
        #expect(try firstRule(rules, v4Frame(dport: 999).build()) == 999)
        #expect(try firstRule(rules, v4Frame(dport: 130).build()) == 130)
        #expect(try firstRule(rules, v4Frame(dport: 5000).build()) == 1000)
    }
}
