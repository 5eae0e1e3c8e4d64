import CoreSupport

/// Starts loading, for every source and destination address of a burst, the slots the switch
/// stage will probe in the static and the learned MAC tables, so that the burst's cache misses
/// overlap rather than each frame waiting on its own.
///
/// Only worth it when the worker's `RecentMACs` does not answer (traffic with more addresses than
/// it holds: with 16,384 sources and as many destinations, the switch stage probed the tables for
/// every frame); `finishBurst` runs it when `RecentMACs.plan` says so. A run of frames with the
/// same address prefetches once.
@inline(never)
func macPrefetchStage(_ burst: BurstFrames, count: Int, policy: UnsafePointer<PolicyImage>, learned: MACTable) {
    let sources = burst.sources, destinations = burst.destinations
    let hasStatics = policy.pointee.staticMACCount != 0
    let statics = policy.pointee.staticMACs
    var lastSource = MACMemo.none
    var lastDestination = MACMemo.none
    var index = 0
    // A malformed frame's addresses are left from an earlier burst: a wasted prefetch, no more.
    while index < count {
        let source = sources[index]
        if source != lastSource {
            lastSource = source
            let scrambled = MACTable.scramble(source)
            if hasStatics { statics.prefetch(scrambled: scrambled) }
            learned.prefetch(scrambled: scrambled)
        }
        let destination = destinations[index]
        if destination != lastDestination && destination & 0x0100_0000_0000 == 0 {
            lastDestination = destination
            let scrambled = MACTable.scramble(destination)
            if hasStatics { statics.prefetch(scrambled: scrambled) }
            learned.prefetch(scrambled: scrambled)
        }
        index &+= 1
    }
}
