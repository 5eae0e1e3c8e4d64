/// Stands the flow cache aside while it is not paying for itself. Traffic of many flows that
/// rarely repeat (more than the cache holds) makes most lookups misses: a hash, two cache-line
/// loads and an admission per frame on top of classifying. Every `window` bursts the governor
/// looks at the hits (and the misses that filled free slots: a cache still warming up); below 1
/// lookup in 3 (`payingShare`) it stops using the cache for the next 15 windows, then tries
/// again. One in three is about where the cache breaks even: a lookup costs some 65 instructions
/// (the hash and prefetches in the parse, the probe, the admission of a miss) and a hit saves the
/// 178 (nine rules) to 238 (1000 rules) of classifying a miss (bench/README). At 1 in 16, the
/// threshold before, flows256k's replayed traffic kept the cache in use at 17 % hits, at a cost
/// of several cycles a frame against no cache at all. Each probe that fails again doubles the
/// rest (31, 63, 127, then 255 windows at most), so traffic that never repeats pays for a probe
/// window in 256 rather than one in 16, while a change to traffic the cache can hold is still
/// noticed within 256 windows (16,384 bursts); a window that pays, or too light to judge, brings
/// the rest back to 15. Per worker, like the cache.
public struct FlowCacheGovernor: BitwiseCopyable {
    public static let window: UInt32 = 64
    public static let shortestRest: UInt32 = 15
    public static let longestRest: UInt32 = 255
    /// A window pays when at least 1 lookup in this many hits (or fills a free slot).
    public static let payingShare: UInt32 = 3
    public var lookups: UInt32 = 0
    public var hits: UInt32 = 0
    /// Misses stored into free slots: a cache still filling up, not one being thrashed.
    public var fills: UInt32 = 0
    public var bursts: UInt32 = 0
    /// Bursts left before the cache is used again (0: in use).
    public var restingBursts: UInt32 = 0
    /// Windows the next rest lasts.
    public var rest: UInt32 = FlowCacheGovernor.shortestRest

    public init() {}

    /// Counts a burst that used the cache.
    @inlinable @inline(__always)
    public mutating func record(lookups count: Int, hits found: Int) {
        lookups &+= UInt32(truncatingIfNeeded: count)
        hits &+= UInt32(truncatingIfNeeded: found)
        bursts &+= 1
        guard bursts == FlowCacheGovernor.window else { return }
        if lookups >= 256 && (hits &+ fills) &* FlowCacheGovernor.payingShare < lookups {
            restingBursts = FlowCacheGovernor.window &* rest
            rest = min(rest &* 2 &+ 1, FlowCacheGovernor.longestRest)
        } else {
            rest = FlowCacheGovernor.shortestRest
        }
        lookups = 0
        hits = 0
        fills = 0
        bursts = 0
    }
}
