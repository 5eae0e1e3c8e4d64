import CDPDK
import Synchronization
import VMSwitchCore

/// The lcore entry point: `arg` is the worker's `WorkerContext`. A global in a library module, so
/// it carries no actor isolation (see the notes on Swift 6 and C callbacks).
public let workerEntry: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { argument in
    runWorker(argument!.assumingMemoryBound(to: WorkerContext.self))
    return 0
}

/// The burst loop. No allocation, reference counting, locks or global variables in here: only
/// the context's pointers and locals. What the control side publishes (policy, rx queues) is
/// re-read once per round, at a burst boundary, and acknowledged.
@inline(never)
public func runWorker(_ contextPointer: UnsafeMutablePointer<WorkerContext>) {
    let context = contextPointer.pointee
    let shared = context.shared
    let me = context.index
    var policyAddress: UInt = 0
    var rxListAddress: UInt = 0
    var tally = BurstTally()
    while !shared.stop.pointee.load(ordering: .relaxed) {
        let currentPolicy = shared.policy[me].load(ordering: .acquiring)
        if currentPolicy != policyAddress {
            policyAddress = currentPolicy
            shared.policyInUse[me].store(currentPolicy, ordering: .releasing)
        }
        let currentList = shared.rxLists[me].load(ordering: .acquiring)
        if currentList != rxListAddress {
            rxListAddress = currentList
            shared.rxListInUse[me].store(currentList, ordering: .releasing)
        }
        let policy = UnsafePointer<WorkerPolicy>(bitPattern: policyAddress).unsafelyUnwrapped.pointee
        let rxList = UnsafePointer<RxList>(bitPattern: rxListAddress).unsafelyUnwrapped.pointee
        var learned = shared.learned
        learned.clock = shared.clock.pointee.load(ordering: .relaxed)
        var busy = false
        var index = 0
        while index < rxList.count {
            let rx = rxList.queues[index]
            let port = Int(rx.port)
            let received = Int(cdpdk_rx_burst(context.dpdkPorts[port], rx.queue, context.rxFrames,
                                              UInt16(truncatingIfNeeded: context.burst)))
            if received > 0 {
                busy = true
                if rx.crossNode { context.counters.add(context.layout.port(port, .rxCrossNode), UInt64(received)) }
                processBurst(context, policy: policy, learned: learned, ingress: port, queue: Int(rx.queue),
                             floodMeter: shared.floodMeter(port: port, queue: Int(rx.queue)), received: received, tally: &tally)
            }
            index &+= 1
        }
        index = 0
        let readSchedulers = tally.bursts & 63 == 0
        while index < context.ownedRingCount {
            let port = Int(context.ownedRings[index])
            if let scheduler = shared.schedulers[port] {
                drainScheduled(context, port: port, scheduler: scheduler, readStats: readSchedulers)
            } else {
                drainRing(context, port: port)
            }
            index &+= 1
        }
        tally.bursts &+= 1
        if busy { tally.busyBursts &+= 1 }
        if tally.bursts & 63 == 0 { tally.publish(to: context.counters, layout: context.layout) }
    }
    tally.publish(to: context.counters, layout: context.layout)
    var owned = 0
    while owned < context.ownedRingCount {  // the schedulers' last counts
        let port = Int(context.ownedRings[owned])
        if let scheduler = shared.schedulers[port] { readSchedulerStats(context, port: port, scheduler: scheduler) }
        owned &+= 1
    }
    shared.policyInUse[me].store(0, ordering: .releasing)
    shared.rxListInUse[me].store(0, ordering: .releasing)
}

/// Counters kept in registers and published every 64 rounds and at the end.
struct BurstTally {
    var qos = QoSTally()
    var bursts: UInt64 = 0
    var busyBursts: UInt64 = 0
    var workCycles: UInt64 = 0
    var workFrames: UInt64 = 0
    var flowCacheLookups: UInt64 = 0
    var flowCacheHits: UInt64 = 0
    var flowCacheRestingBursts: UInt64 = 0

    @inline(__always)
    mutating func publish(to counters: Counters, layout: CounterLayout) {
        counters.add(layout.global(.verified), qos.verified)
        counters.add(layout.global(.rewritten), qos.rewritten)
        counters.add(layout.global(.monitored), qos.monitored)
        counters.add(layout.global(.malformed), qos.malformed)
        counters.add(layout.global(.nonIP), qos.nonIP)
        counters.add(layout.global(.spoofedSource), qos.spoofedSource)
        counters.add(layout.global(.macTableFull), qos.macTableFull)
        counters.add(layout.global(.bursts), bursts)
        counters.add(layout.global(.busyBursts), busyBursts)
        counters.add(layout.global(.workCycles), workCycles)
        counters.add(layout.global(.workFrames), workFrames)
        counters.add(layout.global(.flowCacheLookups), flowCacheLookups)
        counters.add(layout.global(.flowCacheHits), flowCacheHits)
        counters.add(layout.global(.flowCacheRestingBursts), flowCacheRestingBursts)
        self = BurstTally()
    }
}

/// One received burst, in stages: gather the frames' bytes, classify them (`classifyBurst`),
/// colour them by their rules' meters when the policy polices, finish deciding and counting them
/// (`finishBurst`), then hand each to its TX buffers or drop it. (Not inlined: a call a burst
/// costs nothing, and a profile then shows its cost apart from the idle polling.)
@inline(never)
func processBurst(_ context: WorkerContext, policy: WorkerPolicy, learned: MACTable, ingress: Int, queue: Int,
                  floodMeter: UnsafeMutableRawPointer, received: Int, tally: inout BurstTally) {
    let started = cdpdk_tsc()
    let frames = context.frames
    var index = 0
    while index < received {
        let mbuf = context.rxFrames[index].unsafelyUnwrapped
        let data = cdpdk_mbuf_data(mbuf)
        cdpdk_prefetch(data)
        frames.data[index] = data
        frames.length[index] = Int(cdpdk_mbuf_data_len(mbuf))
        index &+= 1
    }
    let counters = context.counters
    let layout = context.layout
    counters.add(layout.port(ingress, .rx), UInt64(received))
    let audit = context.auditCounters
        ? AuditCounters(rules: policy.ruleCounters, pairs: counters.base + layout.dscpPair(ingress, received: 0, assigned: 0),
                        paths: policy.pathCounters)
        : nil
    let cacheUse = classifyBurst(frames, count: received, ingress: ingress, policy: policy.image, flows: context.flows,
                                 rules: context.rules)
    tally.flowCacheLookups &+= UInt64(truncatingIfNeeded: cacheUse.lookups)
    tally.flowCacheHits &+= UInt64(truncatingIfNeeded: cacheUse.hits)
    tally.flowCacheRestingBursts &+= cacheUse.resting ? 1 : 0
    if policy.image.pointee.meteredRules > 0 {
        policy.meters.colour(frames, mbufs: context.rxFrames, count: received, actions: policy.image.pointee.ruleActions,
                             port: ingress, queue: queue, now: started)
    }
    finishBurst(frames, count: received, ingress: ingress, policy: policy.image, learned: learned, recent: context.recent,
                tally: &tally.qos, audit: audit)
    dispatch(context, frames: frames, ingress: ingress, received: received,
             floodLimit: policy.floodProfiles[ingress], floodMeter: floodMeter, now: started)
    tally.workCycles &+= cdpdk_tsc() &- started
    tally.workFrames &+= UInt64(received)
    flushAll(context)
}
