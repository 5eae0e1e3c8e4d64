import Synchronization
import Testing
import Traffic
import VMSwitchCore

/// The burst pipeline against its reference (`decideFrame` frame by frame): random policies,
/// random bursts of every kind of frame (malformed ones too), flow caches small enough to evict
/// and admit, MAC tables that change between bursts and policies replaced mid-run. Frames out,
/// dispatches, MAC tables, totals and audit counters must be identical.
@Suite struct BurstPipelineTests {
    /// One side of the comparison: its own MAC table, flow cache, audit counters and burst.
    final class Side {
        let capacity = 64
        let macMemory: UnsafeMutableRawPointer
        var learned: MACTable
        let flowMemory: UnsafeMutableRawPointer
        let flows: FlowCache
        let ruleMemory: UnsafeMutableRawPointer
        let rules: RuleCache
        let recentMemory: UnsafeMutableRawPointer
        let recent: RecentMACs
        let auditMemory: UnsafeMutablePointer<Atomic<UInt64>>
        /// The ingress port's 64 x 64 pairs, then 2 counters for each of up to 512 rule slots, then paths.
        let auditSize = 64 * 64 + 2 * 512 + 16
        let burstMemory: UnsafeMutableRawPointer
        let burst: BurstFrames
        var tally = QoSTally()

        init(flowCapacity: Int, macCapacity: Int) {
            macMemory = .allocate(byteCount: MACTable.byteCount(capacity: macCapacity), alignment: 64)
            learned = MACTable(memory: macMemory, capacity: macCapacity)
            flowMemory = .allocate(byteCount: max(FlowCache.byteCount(capacity: flowCapacity), 64), alignment: 64)
            flows = FlowCache(memory: flowCapacity == 0 ? nil : flowMemory, capacity: flowCapacity)
            ruleMemory = .allocate(byteCount: RuleCache.byteCount(capacity: 8), alignment: 64)
            rules = RuleCache(memory: ruleMemory, capacity: 8)  // small: entries get replaced
            recentMemory = .allocate(byteCount: RecentMACs.byteCount(capacity: 4), alignment: 64)
            recent = RecentMACs(memory: recentMemory, capacity: 4)  // small: sources and destinations collide
            auditMemory = .allocate(capacity: auditSize)
            for slot in 0..<auditSize { (auditMemory + slot).initialize(to: Atomic(0)) }
            burstMemory = .allocate(byteCount: BurstFrames.byteCount, alignment: 64)
            burst = BurstFrames(memory: burstMemory)
        }

        deinit {
            macMemory.deallocate()
            flowMemory.deallocate()
            ruleMemory.deallocate()
            recentMemory.deallocate()
            auditMemory.deallocate()
            burstMemory.deallocate()
        }

        var audit: AuditCounters {
            AuditCounters(rules: auditMemory + 64 * 64, pairs: auditMemory, paths: auditMemory + 64 * 64 + 2 * 512)
        }

        var auditValues: [UInt64] { (0..<auditSize).map { auditMemory[$0].load(ordering: .relaxed) } }

        /// Decides `frames` (copies) as one burst; returns the bytes after and the dispatches.
        func run(_ frames: [[UInt8]], colours: [UInt8], ingress: Int, policy: CompiledPolicy, batched: Bool, audit on: Bool)
            -> (bytes: [[UInt8]], dispatches: [Dispatch]) {
            let copies = frames.map { frame -> UnsafeMutablePointer<UInt8> in
                let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(frame.count, 1))
                copy.initialize(from: frame, count: frame.count)
                return copy
            }
            defer { copies.forEach { $0.deallocate() } }
            for (index, frame) in frames.enumerated() {
                burst.data[index] = UnsafeMutableRawPointer(copies[index])
                burst.length[index] = frame.count
                burst.colours[index] = colours[index]
            }
            if batched {
                decideBurst(burst, count: frames.count, ingress: ingress, policy: policy.image, learned: learned,
                            flows: flows, rules: rules, recent: recent, tally: &tally, audit: on ? audit : nil)
            } else {
                decideBurstOneByOne(burst, count: frames.count, ingress: ingress, policy: policy.image, learned: learned,
                                    flows: flows, tally: &tally, audit: on ? audit : nil)
            }
            let bytes = frames.indices.map { Array(UnsafeBufferPointer(start: copies[$0], count: frames[$0].count)) }
            return (bytes, (0..<frames.count).map { burst.dispatches[$0] })
        }
    }

    static let macs = (0..<6).map { MACAddress(bits: 0x5254_0000_0000 | UInt64($0)) }
        + [MACAddress(bits: 0x0200_0000_0000), MACAddress(bits: 0xFFFF_FFFF_FFFF), MACAddress(bits: 0x0100_5E00_0001)]

    /// `decoys` rules that match none of `randomFrame`'s frames come first (more than 64 make
    /// the classifier scan several words, and so use the rule cache).
    static func randomPolicy(_ random: inout SplitMix, decoys: Int = 0) throws -> CompiledPolicy {
        let prefixes: [IPPrefix] = [
            .v4(address: 0x0A00_0000, length: 8), .v4(address: 0x0A00_0100, length: 24), .v4(address: 0, length: 0),
            .v6(address: UInt128(0x2001_0DB8) << 96, length: 32), .v6(address: UInt128(0x2001_0DB8_0001) << 80, length: 48),
        ]
        var portSpecs = (0..<3).map { index in
            PortSpec(name: "p\(index)", role: .virtual, backend: .device("net_null\(index)"),
                     macs: random.chance(2) ? [macs[index]] : [])
        }
        for index in portSpecs.indices {
            portSpecs[index].macLimit = [nil, 1, 2, 64][Int(random.next() % 4)]
            if !portSpecs[index].macs.isEmpty && random.chance(2) {
                portSpecs[index].portSecurity = true
                if random.chance(2) { portSpecs[index].ips = [prefixes[Int(random.next() % 5)], prefixes[Int(random.next() % 5)]] }
            }
        }
        var rules: [QoSRule] = (0..<decoys).map { index in
            QoSRule(name: "decoy\(index)", match: FrameMatch(vlan: [UInt16(1000 + index)...UInt16(1000 + index)]),
                    assignment: .set(DSCP(index % 64)!))
        }
        for index in 0..<Int(random.next() % 10) {
            var match = FrameMatch()
            if random.chance(3) { match.from = [Int(random.next() % 3)] }
            if random.chance(4) { match.vlan = [UInt16(random.next() % 4)...UInt16(random.next() % 4 + 4)] }
            if random.chance(3) { match.src = [prefixes[Int(random.next() % 5)]] }
            if random.chance(3) { match.dst = [prefixes[Int(random.next() % 5)]] }
            if random.chance(2) { match.proto = [[6, 17, 1][Int(random.next() % 3)]] }
            if random.chance(3) { match.dport = [5060...5070] }
            let assignment: DSCPAssignment = random.chance(5) ? .keep : .set(DSCP(Int(random.next() % 64))!)
            var rule = QoSRule(name: "r\(index)", match: match, assignment: assignment, mode: random.chance(4) ? .monitor : nil)
            if random.chance(2) {  // metered: its frames come coloured (see `run`)
                let actions: [Policing.Action] = [.drop, .remark(DSCP(10)!), .remark(DSCP(46)!), .remark(DSCP(0)!)]
                rule.police = Policing(unit: .bytes, rate: 1000, burst: 2000, exceed: actions[Int(random.next() % 4)],
                                       violate: actions[Int(random.next() % 4)])
            }
            rules.append(rule)
        }
        var paths: [PathRule] = []
        for _ in 0..<Int(random.next() % 3) {
            paths.append(PathRule(dscps: [DSCP(Int(random.next() % 8) * 8)!, DSCP(46)!],
                                  dst: random.chance(2) ? [prefixes[Int(random.next() % 5)]] : nil,
                                  action: random.chance(2) ? .drop : .output(port: Int(random.next() % 3),
                                                                              queue: Int(random.next() % 2))))
        }
        return try CompiledPolicy(SwitchPolicy(ports: portSpecs, rules: rules,
                                               defaultAssignment: random.chance(2) ? .keep : .set(DSCP(0)!),
                                               defaultMode: random.chance(6) ? .monitor : .enforce, paths: paths))
    }

    static func randomFrame(_ random: inout SplitMix) -> [UInt8] {
        let destination = macs[Int(random.next() % UInt64(macs.count))]
        let source = macs[Int(random.next() % 6)]
        let v4 = [ipv4Address("10.0.1.7"), ipv4Address("10.9.0.1"), ipv4Address("192.168.1.1")]
        let v6 = [ipv6Address("2001:db8:1::5"), ipv6Address("2001:db8:ff::1"), ipv6Address("fe80::1")]
        let network: FrameBuilder.Network
        switch random.next() % 8 {
        case 6:
            let arp = FrameBuilder.arp(from: source, ip: v4[Int(random.next() % 3)], targetIP: v4[0]).build()
            return random.chance(6) ? Array(arp.prefix(Int(random.next() % UInt64(arp.count)))) : arp
        case 7:
            let advertisement = FrameBuilder.neighborAdvertisement(from: source, source: v6[Int(random.next() % 3)], to: destination,
                                                                   destination: v6[0], target: v6[Int(random.next() % 3)])
            return random.chance(6) ? Array(advertisement.prefix(Int(random.next() % UInt64(advertisement.count)))) : advertisement
        case 0, 1: network = .ipv4(src: v4[Int(random.next() % 3)], dst: v4[Int(random.next() % 3)])
        case 2: network = .ipv4(src: v4[0], dst: v4[1], options: random.chance(2) ? [0x01, 0x01, 0x01, 0x00] : [],
                                fragmentOffset: random.chance(2) ? 0 : 8)
        case 3, 4:
            let extensions: [[FrameBuilder.IPv6Extension]] = [[], [], [.options(0)], [.fragment(offset: 0, more: true)],
                                                               [.fragment(offset: 8)], [.options(0), .fragment(offset: 0)]]
            network = .ipv6(src: v6[Int(random.next() % 3)], dst: v6[Int(random.next() % 3)],
                            extensions: extensions[Int(random.next() % 6)])
        default: network = .other(etherType: 0x0806, payload: [UInt8](repeating: 1, count: 28))
        }
        var builder = FrameBuilder(dstMAC: destination, srcMAC: source, network: network)
        builder.dscp = [0, 8, 46, 34, 10][Int(random.next() % 5)]
        builder.ecn = UInt8(random.next() % 4)
        builder.proto = [6, 17, 1][Int(random.next() % 3)]
        builder.dport = random.chance(2) ? 5060 : UInt16(random.next() % 1000)
        if random.chance(4) { builder.tags = [(tpid: EtherType.vlan, tci: UInt16(random.next() % 8))] }
        if random.chance(10) { builder.tags = [(tpid: EtherType.qinq, tci: 3), (tpid: EtherType.vlan, tci: 5)] }
        var frame = builder.build()
        if random.chance(12) { frame = Array(frame.prefix(Int(random.next() % UInt64(frame.count)))) }  // malformed
        return frame
    }

    /// `macCapacity` 4: fewer slots than the six source MACs, so learning finds the table full.
    @Test(arguments: [(0, 0, 32), (8, 0, 32), (64, 0, 32), (0, 100, 32), (64, 200, 32), (8, 0, 4)])
    func burstPipelineEqualsFrameByFrame(flowCapacity: Int, decoys: Int, macCapacity: Int) throws {
        var random = SplitMix(seed: 0xB0B5 &+ UInt64(flowCapacity) &+ UInt64(decoys) &+ UInt64(macCapacity))
        let reference = Side(flowCapacity: flowCapacity, macCapacity: macCapacity)
        let batched = Side(flowCapacity: flowCapacity, macCapacity: macCapacity)
        var policy = try BurstPipelineTests.randomPolicy(&random, decoys: decoys)
        var frames = 0
        var reasons = Set<UInt8>()
        var decisionTables = Set<Bool>()  // policies decided through a `DecisionTable`, and not
        for round in 0..<600 {
            if random.chance(40) { policy = try BurstPipelineTests.randomPolicy(&random, decoys: decoys) }  // a reload
            decisionTables.insert(policy.image.pointee.decisions != nil)
            if random.chance(8) {  // another worker learns (or moves) a MAC between bursts
                let mac = BurstPipelineTests.macs[Int(random.next() % 6)].bits
                let port = Int(random.next() % 3)
                reference.learned.learn(mac, port: port)
                batched.learned.learn(mac, port: port)
            }
            // The clock ticks every few bursts (what a worker remembers of a source holds for a tick).
            if random.chance(3) { reference.learned.clock += 1 }
            batched.learned.clock = reference.learned.clock
            if random.chance(20) {  // the aging sweep removes what was silent for 3 ticks
                let cutoff = reference.learned.clock - min(reference.learned.clock, 3)
                try #require(reference.learned.removeEntries(refreshedBefore: cutoff)
                             == batched.learned.removeEntries(refreshedBefore: cutoff))
            }
            let burst = (0..<Int(random.next() % 40 + 1)).map { _ in BurstPipelineTests.randomFrame(&random) }
            let ingress = Int(random.next() % 3)
            let audit = round % 5 != 0
            // The meter colours the dataplane would give: any, on any frame (only policed rules' count).
            let colours = burst.map { _ in UInt8(random.next() % 3) }
            let expected = reference.run(burst, colours: colours, ingress: ingress, policy: policy, batched: false, audit: audit)
            let actual = batched.run(burst, colours: colours, ingress: ingress, policy: policy, batched: true, audit: audit)
            try #require(actual.bytes == expected.bytes, "round \(round): frame bytes differ")
            try #require(actual.dispatches == expected.dispatches, "round \(round): dispatches differ")
            try #require(batched.tally == reference.tally, "round \(round): totals differ")
            try #require(batched.auditValues == reference.auditValues, "round \(round): audit counters differ")
            try #require(batched.learned.entries().map { "\($0.mac)@\($0.port)" }
                         == reference.learned.entries().map { "\($0.mac)@\($0.port)" }, "round \(round): MAC tables differ")
            try #require((0..<3).map(batched.learned.learnedCount) == (0..<3).map(reference.learned.learnedCount),
                         "round \(round): learned counts differ")
            expected.dispatches.forEach { reasons.insert($0.dropReason.rawValue) }
            frames += burst.count
        }
        // The comparison saw every outcome.
        #expect(reference.tally.verified > 0 && reference.tally.rewritten > 0 && reference.tally.malformed > 0
                && reference.tally.nonIP > 0 && reference.tally.monitored > 0 && reference.tally.spoofedSource > 0)
        #expect(macCapacity > 4 || reference.tally.macTableFull > 0)
        #expect(frames > 5000)
        #expect(reasons.isSuperset(of: [DropReason.spoofed, .macLimit, .malformed, .hairpin, .police].map(\.rawValue)))
        #expect(decisionTables == [true, false])
    }
}
