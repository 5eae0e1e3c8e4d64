import Testing
import Traffic
import VMSwitchCore

/// A worker's `RecentMACs` may answer only while the learned table has not changed since it
/// remembered (the table's generation), under the same policy, and — for a source — within the
/// tick its stamp was refreshed at. Each test changes one of those between two bursts and checks
/// the frame is decided as with a fresh lookup.
@Suite struct RecentMACsTests {
    final class Worker {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: RecentMACs.byteCount(capacity: 16), alignment: 64)
        let recent: RecentMACs
        init() { recent = RecentMACs(memory: memory, capacity: 16) }
        deinit { memory.deallocate() }

        /// One frame as a burst of its own (a new memo, as each burst gets).
        func decide(_ bytes: [UInt8], ingress: Int, policy: CompiledPolicy, learned: MACTable) -> Verdict {
            var copy = bytes
            return copy.withUnsafeMutableBytes {
                var memo = MACMemo(recent: recent, learned: learned, identity: policy.image.pointee.identity)
                return decideFrame($0.baseAddress!, length: $0.count, ingress: ingress, policy: policy.image,
                                   learned: learned, memo: &memo)
            }
        }
    }

    let frame = v4Frame().build()  // from macA to macB

    @Test func everyChangeOfTheTableIsANewGeneration() {
        let learned = LearnedTable(capacity: 16)
        let table = learned.table
        func generation() -> UInt64 { table.generation.pointee.load(ordering: .relaxed) }
        #expect(generation() == 0)
        #expect(table.learn(macA.bits, port: 1) == .learned)
        #expect(generation() == 1)
        #expect(table.learn(macA.bits, port: 1) == .known)
        #expect(generation() == 1)
        #expect(table.learn(macA.bits, port: 2) == .moved)
        #expect(generation() == 2)
        #expect(table.learn(macB.bits, port: 2, limit: 1) == .limited)
        #expect(generation() == 2)
        #expect(table.removeEntries(refreshedBefore: 0) == 0)
        #expect(generation() == 2)
        #expect(table.removeEntries(refreshedBefore: 4) == 1)
        #expect(generation() == 3)
    }

    @Test func aSourceMovedByAnotherWorkerIsLearnedBack() throws {
        let policy = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b", "c")))
        let learned = LearnedTable()
        let worker = Worker()
        _ = worker.decide(frame, ingress: 0, policy: policy, learned: learned.table)  // learns macA on a
        _ = worker.decide(frame, ingress: 0, policy: policy, learned: learned.table)  // remembered
        #expect(learned.table.lookup(macA.bits) == 0)
        #expect(learned.table.learn(macA.bits, port: 1) == .moved)  // another worker saw it on b
        _ = worker.decide(frame, ingress: 0, policy: policy, learned: learned.table)
        #expect(learned.table.lookup(macA.bits) == 0, "a source remembered from before the move skipped learning")
    }

    @Test func aSourceIsRefreshedOnceATick() throws {
        let policy = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b")))
        let learned = LearnedTable()
        var table = learned.table
        let worker = Worker()
        table.clock = 5
        _ = worker.decide(frame, ingress: 0, policy: policy, learned: table)
        _ = worker.decide(frame, ingress: 0, policy: policy, learned: table)
        #expect(table.entries().first { $0.mac == macA }?.stamp == 5)
        table.clock = 6
        _ = worker.decide(frame, ingress: 0, policy: policy, learned: table)
        #expect(table.entries().first { $0.mac == macA }?.stamp == 6, "a remembered source was not refreshed in a new tick")
    }

    @Test func aDestinationLearnedOrAgedSinceIsLookedUpAgain() throws {
        let policy = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b", "c")))
        let learned = LearnedTable()
        let worker = Worker()
        #expect(worker.decide(frame, ingress: 0, policy: policy, learned: learned.table).egress == Verdict.flood)
        #expect(learned.table.learn(macB.bits, port: 2) == .learned)
        #expect(worker.decide(frame, ingress: 0, policy: policy, learned: learned.table).egress == 2)
        #expect(worker.decide(frame, ingress: 0, policy: policy, learned: learned.table).egress == 2)
        var later = learned.table
        later.clock = 100
        #expect(later.learn(macA.bits, port: 0) == .known)  // macA stays; macB (stamp 0) ages out
        #expect(learned.table.removeEntries(refreshedBefore: 50) == 1)
        #expect(worker.decide(frame, ingress: 0, policy: policy, learned: later).egress == Verdict.flood)
    }

    @Test func aNewPolicysStaticMACsAreNotAnsweredFromTheOld() throws {
        let learned = LearnedTable()
        let worker = Worker()
        let before = try CompiledPolicy(SwitchPolicy(ports: ports("a", "b", "c")))
        #expect(worker.decide(frame, ingress: 0, policy: before, learned: learned.table).egress == Verdict.flood)
        var specs = ports("a", "b", "c")
        specs[1].macs = [macB]
        let after = try CompiledPolicy(SwitchPolicy(ports: specs))
        #expect(worker.decide(frame, ingress: 0, policy: after, learned: learned.table).egress == 1)
    }

    /// Traffic with more (known) addresses than the worker remembers has its switch stage go to
    /// the tables directly (their slots prefetched) but for one burst in eight, which looks again,
    /// so that traffic with few addresses brings it back; every burst is switched, and its sources
    /// refreshed, as the tables say.
    @Test func manyAddressesBypassItAndFewBringItBack() throws {
        var specs = ports("a", "b", "c")
        specs[0].macLimit = nil  // an uplink's many sources
        let policy = try CompiledPolicy(SwitchPolicy(ports: specs))
        let learned = LearnedTable(capacity: 4096)
        let recentMemory = UnsafeMutableRawPointer.allocate(byteCount: RecentMACs.byteCount(capacity: 16), alignment: 64)
        defer { recentMemory.deallocate() }
        let recent = RecentMACs(memory: recentMemory, capacity: 16)
        let burstMemory = UnsafeMutableRawPointer.allocate(byteCount: BurstFrames.byteCount, alignment: 64)
        defer { burstMemory.deallocate() }
        let burst = BurstFrames(memory: burstMemory)
        let use = try #require(recent.use)
        var tally = QoSTally()
        var now = learned.table
        now.clock = 7
        /// A burst of 32 frames from source `base + i` to destination `0x10000 + base + i` (`spread`)
        /// or all from `base` to `0x10000 + base`; every source is learned on port 0 and every
        /// destination on port 1 first, at tick 0.
        func run(base: UInt64, spread: Bool) -> [Int32] {
            let frames = (0..<32).map { index in
                let offset = spread ? UInt64(index) : 0
                var builder = v4Frame()
                builder.srcMAC = MACAddress(bits: 0x5254_0000_0000 | base + offset)
                builder.dstMAC = MACAddress(bits: 0x5254_0001_0000 | base + offset)
                if learned.table.lookup(builder.srcMAC.bits) != 0 { learned.table.learn(builder.srcMAC.bits, port: 0) }
                if learned.table.lookup(builder.dstMAC.bits) != 1 { learned.table.learn(builder.dstMAC.bits, port: 1) }
                return builder.build()
            }
            let copies = frames.map { frame in
                let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: frame.count)
                copy.initialize(from: frame, count: frame.count)
                return copy
            }
            defer { copies.forEach { $0.deallocate() } }
            for index in frames.indices {
                burst.data[index] = UnsafeMutableRawPointer(copies[index])
                burst.length[index] = frames[index].count
            }
            decideBurst(burst, count: 32, ingress: 0, policy: policy.image, learned: now, flows: .disabled,
                        rules: .disabled, recent: recent, tally: &tally, audit: nil)
            return (0..<32).map { burst.dispatches[$0].egress }
        }
        var egresses = run(base: 0, spread: true)
        #expect(use.pointee.unanswered > 16, "32 sources and destinations not remembered were not counted")
        for round in 1...16 { egresses += run(base: UInt64(round) * 32, spread: true) }
        #expect(use.pointee.bypassed >= 14, "bursts of new addresses did not bypass the worker's memory")
        #expect(use.pointee.unanswered > 16, "the bursts that looked again found few new addresses answered")
        egresses += run(base: 0, spread: false)
        #expect(use.pointee.unanswered > 16, "the burst after many addresses looked in the memory rather than bypass it")
        for _ in 0..<7 { egresses += run(base: 0, spread: false) }
        #expect(use.pointee.unanswered <= 2, "one pair of addresses, looked up again, still found unanswered")
        let bypassedBefore = use.pointee.bypassed
        egresses += run(base: 0, spread: false)
        #expect(use.pointee.bypassed == bypassedBefore, "a burst of one pair of addresses still bypassed")
        #expect(egresses.allSatisfy { $0 == 1 }, "a frame went elsewhere than its destination's port")
        let stamps = Dictionary(uniqueKeysWithValues: learned.table.entries().map { ($0.mac.bits, $0.stamp) })
        for source in 0..<UInt64(17 * 32) {
            #expect(stamps[0x5254_0000_0000 | source] == 7, "source \(source) was not refreshed")
        }
    }
}
