import Dispatch
import Testing
import Traffic
import VMSwitchCore

@Suite struct MACTableTests {
    @Test func learnLookupAndMove() {
        let learned = LearnedTable()
        #expect(learned.table.lookup(macA.bits) == MACTable.notFound)
        #expect(learned.table.learn(macA.bits, port: 3) == .learned)
        #expect(learned.table.learn(macA.bits, port: 3) == .known)
        #expect(learned.table.lookup(macA.bits) == 3)
        #expect(learned.table.learn(macA.bits, port: 0) == .moved)
        #expect(learned.table.lookup(macA.bits) == 0)
        #expect(learned.table.lookup(macB.bits) == MACTable.notFound)
    }

    /// `isFresh` (the switch's inline check before it calls `learn`) holds only for a MAC known
    /// on that port and refreshed in the table's current tick.
    @Test func freshMeansKnownOnThePortInThisTick() {
        let learned = LearnedTable()
        #expect(!learned.table.isFresh(macA.bits, port: 3))
        #expect(learned.table.learn(macA.bits, port: 3) == .learned)
        #expect(learned.table.isFresh(macA.bits, port: 3))
        #expect(!learned.table.isFresh(macA.bits, port: 2))
        #expect(!learned.table.isFresh(macB.bits, port: 3))
        var later = learned.table
        later.clock = 5
        #expect(!later.isFresh(macA.bits, port: 3), "a MAC stamped in tick 0 was fresh in tick 5")
        #expect(later.learn(macA.bits, port: 3) == .known)
        #expect(later.isFresh(macA.bits, port: 3))
        #expect(later.learn(macA.bits, port: 2) == .moved)
        #expect(!later.isFresh(macA.bits, port: 3))
    }

    @Test func fullTableRefusesInsteadOfLooping() {
        let learned = LearnedTable(capacity: 16)
        var results: [MACTable.LearnResult] = []
        for index in 0..<40 { results.append(learned.table.learn(UInt64(0x0200_0000_0000 + index), port: 1)) }
        #expect(results.filter { $0 == .learned }.count == 16)
        #expect(results.filter { $0 == .full }.count == 24)
        for index in 0..<40 {
            let port = learned.table.lookup(UInt64(0x0200_0000_0000 + index))
            #expect(port == 1 || port == MACTable.notFound)
        }
        #expect(learned.table.entries().count == 16)
    }
}

@Suite struct MACTableAgingAndLimitTests {
    @Test func agingRemovesSilentEntriesAndTheirPlacesAreReused() {
        let learned = LearnedTable(capacity: 16)
        var table = learned.table
        table.clock = 10
        #expect(table.learn(macA.bits, port: 1) == .learned)
        table.clock = 20
        #expect(table.learn(macB.bits, port: 2) == .learned)
        #expect(table.learnedCount(port: 1) == 1 && table.learnedCount(port: 2) == 1)
        // A (stamped 10) is older than 15, B (20) is not.
        #expect(table.removeEntries(refreshedBefore: 15) == 1)
        #expect(table.lookup(macA.bits) == MACTable.notFound)
        #expect(table.lookup(macB.bits) == 2)
        #expect(table.learnedCount(port: 1) == 0)
        // A frame from B refreshes it; the sweep then keeps it.
        table.clock = 30
        #expect(table.learn(macB.bits, port: 2) == .known)
        #expect(table.removeEntries(refreshedBefore: 25) == 0)
        // A returns and is learned again, into a removed slot or a free one.
        #expect(table.learn(macA.bits, port: 1) == .learned)
        #expect(table.lookup(macA.bits) == 1)
        // Removed slots never break another entry's probe chain: fill, age half, look up the rest.
        let full = LearnedTable(capacity: 16)
        var many = full.table
        for index in 0..<16 {
            many.clock = UInt64(index % 2)
            #expect(many.learn(UInt64(0x0200_0000_0000 + index), port: 0) == .learned)
        }
        #expect(many.removeEntries(refreshedBefore: 1) == 8)
        for index in 0..<16 {
            #expect(many.lookup(UInt64(0x0200_0000_0000 + index)) == (index % 2 == 1 ? 0 : MACTable.notFound))
        }
        for index in 100..<108 { #expect(many.learn(UInt64(0x0200_0000_0000 + index), port: 3) == .learned) }
        #expect(many.learn(0x0200_0000_0FFF, port: 3) == .full)
        #expect(many.learnedCount(port: 0) == 8 && many.learnedCount(port: 3) == 8)
    }

    @Test func aPortLearnsNoMoreThanItsLimitAndMovesAreCounted() {
        let learned = LearnedTable(capacity: 64)
        let table = learned.table
        for index in 0..<3 { #expect(table.learn(UInt64(0x0200_0000_0000 + index), port: 1, limit: 3) == .learned) }
        #expect(table.learn(0x0200_0000_0010, port: 1, limit: 3) == .limited)
        #expect(table.learn(0x0200_0000_0001, port: 1, limit: 3) == .known)
        #expect(table.learnedCount(port: 1) == 3)
        // Another port learns freely; a MAC moving onto a port at its limit is refused too.
        #expect(table.learn(0x0200_0000_0020, port: 2, limit: 1) == .learned)
        #expect(table.learn(0x0200_0000_0000, port: 2, limit: 1) == .limited)
        #expect(table.learn(0x0200_0000_0000, port: 2, limit: 2) == .moved)
        #expect(table.learnedCount(port: 1) == 2 && table.learnedCount(port: 2) == 2)
        #expect(table.learn(0x0200_0000_0010, port: 1, limit: 3) == .learned)
    }

    /// Four threads learn random MACs on their own ports (limited) and on a shared one, while a
    /// fifth sweeps: afterwards each port's count is exactly its entries, no port is over its
    /// limit, and every entry is found where it says.
    @Test func concurrentLearnersAndASweeperKeepTheCountsExact() {
        let learned = LearnedTable(capacity: 1024)
        let table = learned.table
        DispatchQueue.concurrentPerform(iterations: 5) { worker in
            guard worker < 4 else {
                for cutoff in 0..<200 { _ = table.removeEntries(refreshedBefore: UInt64(cutoff / 10)) }
                return
            }
            var random = SplitMix(seed: UInt64(worker) &+ 77)
            var mine = table
            for round in 0..<20_000 {
                mine.clock = UInt64(round / 1000)
                let mac = 0x0200_0000_0000 | (random.next() & 0xFFF)
                if random.chance(2) {
                    mine.learn(mac, port: worker, limit: 50)
                } else {
                    mine.learn(mac, port: 4 + Int(random.next() % 2))
                }
            }
        }
        let entries = table.entries()
        for port in 0..<6 {
            #expect(table.learnedCount(port: port) == entries.filter { $0.port == port }.count, "port \(port)")
        }
        for port in 0..<4 { #expect(table.learnedCount(port: port) <= 50) }
        for entry in entries { #expect(table.lookup(entry.mac.bits) != MACTable.notFound) }
        #expect(entries.count > 100)
    }
}
