import Synchronization
import VMSwitchCore

/// The control side of the learned-MAC table: runs its clock, ages entries out, and lists them.
/// Workers learn into the table (`MACTable`); this only ever removes aged entries and reads.
public final class LearnedMACs: @unchecked Sendable {
    let table: MACTable
    let clock: UnsafeMutablePointer<Atomic<UInt64>>
    /// Entries removed by aging so far.
    public private(set) var aged: UInt64 = 0
    private var lastSweep: UInt64 = 0

    init(table: MACTable, clock: UnsafeMutablePointer<Atomic<UInt64>>) {
        self.table = table
        self.clock = clock
    }

    /// One entry of `vmswitch macs`.
    public struct Entry: Sendable, Equatable {
        public var mac: MACAddress
        public var port: Int
        /// Seconds since a frame from it was last seen (nil for a static MAC).
        public var age: Double?
    }

    /// Advances the clock to `seconds` since start and, once a tick, removes every entry silent
    /// for longer than `agingSeconds` (0: never).
    func tick(seconds: Double, agingSeconds: Int) {
        let now = UInt64(seconds * Double(MACTable.ticksPerSecond))
        clock.pointee.store(now, ordering: .relaxed)
        guard agingSeconds > 0, now != lastSweep else { return }
        lastSweep = now
        let span = UInt64(agingSeconds) * MACTable.ticksPerSecond
        guard now > span else { return }
        aged += UInt64(table.removeEntries(refreshedBefore: now - span))
    }

    /// Learned MACs now, with their ages, in table order.
    func learned() -> [Entry] {
        let now = clock.pointee.load(ordering: .relaxed)
        return table.entries().map { entry in
            Entry(mac: entry.mac, port: entry.port,
                  age: Double(now &- min(now, entry.stamp)) / Double(MACTable.ticksPerSecond))
        }
    }

    func learnedCount(port: Int) -> Int { table.learnedCount(port: port) }
}
