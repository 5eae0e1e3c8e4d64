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
}
