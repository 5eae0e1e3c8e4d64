import Testing
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
