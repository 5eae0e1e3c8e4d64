import Testing
import Traffic
import VMSwitchCore

@Suite struct FrameDecisionTests {
    let learned = LearnedTable()
    let staticMAC = MACAddress(parsing: "02:00:00:00:00:fe")!

    func policy(rules: [QoSRule] = [], defaultAssignment: DSCPAssignment = .keep,
                paths: [PathRule] = [], mode: QoSMode = .enforce) throws -> CompiledPolicy {
        var switchPorts = ports("uplink", "vm1", "vm2")
        switchPorts[0].macs = [staticMAC]
        return try CompiledPolicy(SwitchPolicy(ports: switchPorts, rules: rules,
                                               defaultAssignment: defaultAssignment, defaultMode: mode,
                                               paths: paths))
    }

    let voice = QoSRule(name: "voice", match: FrameMatch(from: [1], proto: [IPProtocol.udp], dport: [5060...5080]),
                        assignment: .set(DSCP(46)!))

    @Test func rewritesToTheAssignedDSCP() throws {
        let (verdict, after) = decide(v4Frame(dscp: 0, ecn: 1).build(), ingress: 1, policy: try policy(rules: [voice]),
                                      learned: learned.table)
        #expect(verdict.outcome == .rewritten && verdict.rule == 0)
        #expect(verdict.dscpIn == 0 && verdict.dscpOut == 46)
        #expect(parse(after).dscp == 46 && after[15] & 3 == 1)
    }

    @Test func verifiedFramesAreByteIdentical() throws {
        let frame = v4Frame(dscp: 46).build()
        let (verdict, after) = decide(frame, ingress: 1, policy: try policy(rules: [voice]), learned: learned.table)
        #expect(verdict.outcome == .verified && after == frame)
    }

    @Test func defaultAppliesWhenNoRuleMatches() throws {
        let compiled = try policy(rules: [voice], defaultAssignment: .set(DSCP(0)!))
        let (verdict, after) = decide(v6Frame(dscp: 10).build(), ingress: 2, policy: compiled, learned: learned.table)
        #expect(verdict.outcome == .rewritten && verdict.rule == 1 && parse(after).dscp == 0)
        let (kept, same) = decide(v6Frame(dscp: 10).build(), ingress: 2, policy: try policy(rules: [voice]),
                                  learned: learned.table)
        #expect(kept.outcome == .verified && parse(same).dscp == 10)
    }

    @Test func monitorCountsButDoesNotTouch() throws {
        let frame = v4Frame(dscp: 0).build()
        let (verdict, after) = decide(frame, ingress: 1, policy: try policy(rules: [voice], mode: .monitor),
                                      learned: learned.table)
        #expect(verdict.outcome == .rewritten && verdict.monitorOnly && after == frame)
        #expect(verdict.dscpOut == 0)
    }

    @Test func malformedIsDropped() throws {
        var frame = v4Frame().build()
        frame[14] = 0x43
        let (verdict, after) = decide(frame, ingress: 1, policy: try policy(rules: [voice]), learned: learned.table)
        #expect(verdict.egress == Verdict.drop && verdict.dropReason == .malformed && verdict.outcome == .malformed)
        #expect(after == frame)
        #expect(decide([1, 2, 3], ingress: 0, policy: try policy(), learned: learned.table).0.dropReason == .malformed)
    }

    @Test func nonIPIsSwitchedUntouched() throws {
        let frame = FrameBuilder(dstMAC: .broadcast, srcMAC: macA,
                                 network: .other(etherType: 0x0806, payload: [UInt8](repeating: 7, count: 28))).build()
        let (verdict, after) = decide(frame, ingress: 1, policy: try policy(rules: [voice]), learned: learned.table)
        #expect(verdict.outcome == .nonIP && verdict.egress == Verdict.flood && after == frame)
    }

    @Test func staticThenLearnedThenFlood() throws {
        let compiled = try policy()
        var toStatic = v4Frame()
        toStatic.dstMAC = staticMAC
        #expect(decide(toStatic.build(), ingress: 1, policy: compiled, learned: learned.table).0.egress == 0)
        // macB unknown: flooded; once learned on port 2, unicast there.
        #expect(decide(v4Frame().build(), ingress: 1, policy: compiled, learned: learned.table).0.egress == Verdict.flood)
        var fromB = v4Frame()
        fromB.srcMAC = macB
        fromB.dstMAC = macA
        _ = decide(fromB.build(), ingress: 2, policy: compiled, learned: learned.table)
        #expect(decide(v4Frame().build(), ingress: 1, policy: compiled, learned: learned.table).0.egress == 2)
        // ...and macA was learned on port 1 by the first frames.
        #expect(decide(fromB.build(), ingress: 2, policy: compiled, learned: learned.table).0.egress == 1)
    }

    @Test func learningNeverOverridesAStaticEntry() throws {
        let compiled = try policy()
        var spoof = v4Frame()
        spoof.srcMAC = staticMAC
        let (verdict, _) = decide(spoof.build(), ingress: 2, policy: compiled, learned: learned.table)
        #expect(verdict.spoofedSource)
        #expect(learned.table.lookup(staticMAC.bits) == MACTable.notFound)
        var toStatic = v4Frame()
        toStatic.dstMAC = staticMAC
        #expect(decide(toStatic.build(), ingress: 1, policy: compiled, learned: learned.table).0.egress == 0)
    }

    @Test func groupSourcesAreNotLearned() throws {
        var frame = v4Frame()
        frame.srcMAC = MACAddress(parsing: "01:00:5e:00:00:01")!
        _ = decide(frame.build(), ingress: 1, policy: try policy(), learned: learned.table)
        #expect(learned.table.entries().isEmpty)
    }

    @Test func hairpinIsDropped() throws {
        let compiled = try policy()
        var toStatic = v4Frame()
        toStatic.dstMAC = staticMAC
        let (verdict, _) = decide(toStatic.build(), ingress: 0, policy: compiled, learned: learned.table)
        #expect(verdict.egress == Verdict.drop && verdict.dropReason == .hairpin)
    }

    @Test func pathsSelectByTheRewrittenDSCP() throws {
        let paths = [
            PathRule(dscps: [DSCP(46)!], dst: [try IPPrefix(parsing: "10.0.1.0/24")], action: .output(port: 2, queue: 1)),
            PathRule(dscps: [DSCP(56)!], action: .drop),
        ]
        let compiled = try policy(rules: [voice], paths: paths)
        var toStatic = v4Frame(dscp: 0)
        toStatic.dstMAC = staticMAC
        let (steered, after) = decide(toStatic.build(), ingress: 1, policy: compiled, learned: learned.table)
        #expect(steered.egress == 2 && steered.queue == 1 && parse(after).dscp == 46)
        let (elsewhere, _) = decide(v4Frame(dst: "10.0.2.1").build(), ingress: 1, policy: compiled, learned: learned.table)
        #expect(elsewhere.egress == Verdict.flood)
        let (dropped, _) = decide(v6Frame(dscp: 56).build(), ingress: 2, policy: compiled, learned: learned.table)
        #expect(dropped.egress == Verdict.drop && dropped.dropReason == .pathDrop)
        let (back, _) = decide(v4Frame(dscp: 0).build(), ingress: 2, policy: try policy(rules: [
            QoSRule(name: "all", assignment: .set(DSCP(46)!)),
        ], paths: paths), learned: learned.table)
        #expect(back.dropReason == .hairpin)
    }

    @Test func aSinglePortHasNowhereToFlood() throws {
        let alone = try CompiledPolicy(SwitchPolicy(ports: ports("only")))
        let (verdict, _) = decide(v4Frame().build(), ingress: 0, policy: alone, learned: learned.table)
        #expect(verdict.egress == Verdict.drop && verdict.dropReason == .noDestination)
    }
}

@Suite struct FlowCacheTests {
    let learned = LearnedTable()

    func cache(_ capacity: Int) -> (FlowCache, UnsafeMutableRawPointer) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: FlowCache.byteCount(capacity: capacity), alignment: 64)
        return (FlowCache(memory: memory, capacity: capacity), memory)
    }

    func run(_ bytes: [UInt8], _ policy: CompiledPolicy, _ flows: FlowCache) -> (Verdict, [UInt8]) {
        var copy = bytes
        let verdict = copy.withUnsafeMutableBytes {
            var memo = MACMemo()
            return decideFrame($0.baseAddress!, length: $0.count, ingress: 1, policy: policy.image,
                               learned: learned.table, flows: flows, memo: &memo)
        }
        return (verdict, copy)
    }

    @Test func cachedDecisionsEqualFreshOnes() throws {
        let (flows, memory) = cache(64)
        defer { memory.deallocate() }
        let policy = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b", "c"), rules: [
            QoSRule(name: "voice", match: FrameMatch(proto: [IPProtocol.udp], dport: [5060...5060]), assignment: .set(DSCP(46)!)),
        ], paths: [PathRule(dscps: [DSCP(46)!], action: .output(port: 2, queue: 0))]))
        for frame in [v4Frame(dscp: 0).build(), v4Frame(dport: 80).build(), v6Frame(dscp: 46, proto: IPProtocol.udp).build()] {
            let fresh = run(frame, policy, .disabled)
            let first = run(frame, policy, flows)
            let second = run(frame, policy, flows)  // a hit
            for (verdict, bytes) in [first, second] {
                #expect(bytes == fresh.1)
                #expect(verdict.rule == fresh.0.rule && verdict.egress == fresh.0.egress && verdict.outcome == fresh.0.outcome)
            }
        }
    }

    @Test func anotherCompiledPolicyNeverHitsOldEntries() throws {
        let (flows, memory) = cache(64)
        defer { memory.deallocate() }
        let frame = v4Frame(dscp: 0).build()
        let old = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b"), rules: [
            QoSRule(name: "all", assignment: .set(DSCP(10)!)),
        ]))
        let new = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b"), rules: [
            QoSRule(name: "all", assignment: .set(DSCP(20)!)),
        ]))
        #expect(parse(run(frame, old, flows).1).dscp == 10)
        #expect(parse(run(frame, new, flows).1).dscp == 20)
        #expect(parse(run(frame, old, flows).1).dscp == 10)
    }

    @Test func frameDSCPIsPartOfTheKey() throws {
        let (flows, memory) = cache(64)
        defer { memory.deallocate() }
        let policy = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b"), paths: [
            PathRule(dscps: [DSCP(46)!], action: .drop),
        ]))
        #expect(run(v4Frame(dscp: 0).build(), policy, flows).0.egress == Verdict.flood)
        #expect(run(v4Frame(dscp: 46).build(), policy, flows).0.dropReason == .pathDrop)
        #expect(run(v4Frame(dscp: 0).build(), policy, flows).0.egress == Verdict.flood)
    }
}
