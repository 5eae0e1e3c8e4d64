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

/// Puts each decided frame into its egress port's TX buffer (every port but the ingress one when
/// it floods, within the ingress port's flood limit), or frees it, counted under its drop reason.
@inline(__always)
func dispatch(_ context: WorkerContext, frames: BurstFrames, ingress: Int, received: Int,
              floodLimit: UnsafeMutableRawPointer?, floodMeter: UnsafeMutableRawPointer, now: UInt64) {
    let counters = context.counters
    let layout = context.layout
    var drops = 0
    // The last egress port's link state, read once for the run of frames that share it.
    var lastEgress = -1
    var lastUp = false
    // The TX buffer the last frame went to and its fill, kept here (not in `txCount`) while
    // frames keep going to it, so a frame's slot does not wait on the last one's store.
    var runBuffer = -1
    var runCount = 0
    var index = 0
    while index < received {
        let frame = context.rxFrames[index].unsafelyUnwrapped
        let verdict = frames.dispatches[index]
        if verdict.egress >= 0 {
            let egress = Int(verdict.egress)
            if egress != lastEgress {
                lastEgress = egress
                lastUp = context.shared.linkUp[egress].load(ordering: .relaxed)
            }
            if lastUp {
                let buffer = txBuffer(context, port: egress, queue: Int(verdict.queue))
                if buffer != runBuffer {
                    if runBuffer >= 0 { context.txCount[runBuffer] = runCount }
                    runBuffer = buffer
                    runCount = context.txCount[buffer]
                }
                place(context, frame, dscp: verdict.dscp, buffer: buffer, fill: runCount)
                runCount &+= 1
            } else {
                counters.add(layout.drop(egress, .linkDown), 1)
                context.dropFrames[drops] = frame
                drops &+= 1
            }
        } else if verdict.egress == Verdict.flood {
            if runBuffer >= 0 {  // flooding fills buffers through `txCount`
                context.txCount[runBuffer] = runCount
                runBuffer = -1
            }
            if let floodLimit, cdpdk_police_colour(floodMeter, floodLimit, false, now, 1) != 0 {
                counters.add(layout.drop(ingress, .floodLimit), 1)
                context.dropFrames[drops] = frame
                drops &+= 1
            } else if !flood(context, frame, dscp: verdict.dscp, ingress: ingress) {
                counters.add(layout.drop(ingress, .noDestination), 1)
                context.dropFrames[drops] = frame
                drops &+= 1
            }
        } else {
            counters.add(layout.drop(ingress, verdict.dropReason), 1)
            context.dropFrames[drops] = frame
            drops &+= 1
        }
        index &+= 1
    }
    if runBuffer >= 0 { context.txCount[runBuffer] = runCount }
    cdpdk_mbuf_free_bulk(context.dropFrames, UInt32(truncatingIfNeeded: drops))
}

@inline(__always)
func enqueue(_ context: WorkerContext, _ frame: OpaquePointer, dscp: UInt8, port: Int, queue: Int) {
    let buffer = txBuffer(context, port: port, queue: queue)
    place(context, frame, dscp: dscp, buffer: buffer, fill: context.txCount[buffer])
    context.txCount[buffer] &+= 1
}

/// The TX buffer of a port's queue (an index into `txCount`; its slots follow in `txFrames`).
@inline(__always)
func txBuffer(_ context: WorkerContext, port: Int, queue: Int) -> Int {
    port &* context.txQueueStride &+ queue
}

/// Puts `frame` into slot `fill` of TX buffer `buffer` (the caller counts it).
@inline(__always)
func place(_ context: WorkerContext, _ frame: OpaquePointer, dscp: UInt8, buffer: Int, fill: Int) {
    let slot = buffer &* context.burst &+ fill
    context.txFrames[slot] = frame
    context.txDSCP[slot] = dscp
}

/// Sends `frame` out of every port but `ingress` whose link is up, as one mbuf with a reference per
/// port, except that a port with an egress scheduler gets its own header (a clone): the scheduler
/// writes into it. Returns false when there was no such port (the caller drops the frame).
@inline(__always)
func flood(_ context: WorkerContext, _ frame: OpaquePointer, dscp: UInt8, ingress: Int) -> Bool {
    var targets = 0
    var shared = 0
    var port = 0
    while port < context.portCount {
        if port != ingress {
            if context.shared.linkUp[port].load(ordering: .relaxed) {
                context.floodTargets[targets] = UInt16(truncatingIfNeeded: port)
                targets &+= 1
                if context.shared.schedulers[port] == nil { shared &+= 1 }
            } else {
                context.counters.add(context.layout.drop(port, .linkDown), 1)
            }
        }
        port &+= 1
    }
    if targets == 0 { return false }
    // The original goes to every unshaped target (or, with none, to the first shaped one).
    if shared > 1 { cdpdk_mbuf_add_refs(frame, UInt16(truncatingIfNeeded: shared &- 1)) }
    var originalGiven = false
    var index = 0
    while index < targets {
        let target = Int(context.floodTargets[index])
        let shaped = context.shared.schedulers[target] != nil
        if shared > 0 ? !shaped : !originalGiven {
            originalGiven = true
            enqueue(context, frame, dscp: dscp, port: target, queue: 0)
        } else if let clone = cdpdk_mbuf_clone(frame) {
            enqueue(context, clone, dscp: dscp, port: target, queue: 0)
        } else {
            context.counters.add(context.layout.drop(target, .txFull), 1)
        }
        index &+= 1
    }
    return true
}

@inline(__always)
func flushAll(_ context: WorkerContext) {
    var port = 0
    while port < context.portCount {
        var queue = 0
        let queues = Int(context.txQueueCount[port])
        while queue < queues {
            let buffer = txBuffer(context, port: port, queue: queue)
            let count = context.txCount[buffer]
            if count > 0 { flush(context, port: port, queue: queue, buffer: buffer, count: count) }
            queue &+= 1
        }
        port &+= 1
    }
}

@inline(__always)
func flush(_ context: WorkerContext, port: Int, queue: Int, buffer: Int, count: Int) {
    let frames = context.txFrames + buffer &* context.burst
    let dscps = context.txDSCP + buffer &* context.burst
    context.txCount[buffer] = 0
    if let ring = context.shared.txRings[port],
       context.shared.txOwner[port] != context.index || context.shared.schedulers[port] != nil {
        handOff(context, ring: ring, port: port, queue: queue, frames: frames, dscps: dscps, count: count)
        return
    }
    let txQueue = context.txQueueBase[port] &+ UInt16(truncatingIfNeeded: queue)
    let sent = Int(cdpdk_tx_burst(context.dpdkPorts[port], txQueue, frames, UInt16(truncatingIfNeeded: count)))
    let counters = context.counters
    let layout = context.layout
    countCrossNode(context, port: port, frames: count)
    counters.add(layout.port(port, .tx), UInt64(sent))
    var index = 0
    while index < sent {
        let dscp = dscps[index]
        if dscp != 0xFF { counters.add(layout.dscpOut(port, dscp), 1) }
        index &+= 1
    }
    if sent < count {
        context.counters.add(context.layout.drop(port, .txFull), UInt64(count &- sent))
        cdpdk_mbuf_free_bulk(frames + sent, UInt32(truncatingIfNeeded: count &- sent))
    }
}

/// Frames this worker sends towards a port on another NUMA node are counted as they leave its
/// TX buffer (a burst's worth at once).
@inline(__always)
func countCrossNode(_ context: WorkerContext, port: Int, frames: Int) {
    let portNode = context.shared.portNode[port].load(ordering: .relaxed)
    if portNode >= 0 && portNode != context.node {
        context.counters.add(context.layout.port(port, .txCrossNode), UInt64(truncatingIfNeeded: frames))
    }
}

/// Gives frames for a port this worker does not transmit on to the port's TX owner, through the
/// port's lock-free ring. Each frame carries its TX queue and final DSCP in its tag.
@inline(__always)
func handOff(_ context: WorkerContext, ring: OpaquePointer, port: Int, queue: Int,
             frames: UnsafeMutablePointer<OpaquePointer?>, dscps: UnsafeMutablePointer<UInt8>, count: Int) {
    countCrossNode(context, port: port, frames: count)
    var index = 0
    while index < count {
        cdpdk_mbuf_set_tag(frames[index].unsafelyUnwrapped, UInt32(queue) << 8 | UInt32(dscps[index]))
        index &+= 1
    }
    let queued = Int(cdpdk_ring_enqueue_burst(ring, frames, UInt32(truncatingIfNeeded: count)))
    if queued < count {
        context.counters.add(context.layout.drop(port, .txFull), UInt64(count &- queued))
        cdpdk_mbuf_free_bulk(frames + queued, UInt32(truncatingIfNeeded: count &- queued))
    }
}

/// Transmits what other workers handed over for `port`, one run of same-queue frames at a time.
@inline(__always)
func drainRing(_ context: WorkerContext, port: Int) {
    let ring = context.shared.txRings[port].unsafelyUnwrapped
    let frames = context.ringFrames
    let count = Int(cdpdk_ring_dequeue_burst(ring, frames, UInt32(truncatingIfNeeded: context.burst)))
    if count == 0 { return }
    let counters = context.counters
    let layout = context.layout
    var start = 0
    while start < count {
        let tag = cdpdk_mbuf_tag(frames[start].unsafelyUnwrapped)
        let queue = tag >> 8
        var end = start
        while end < count {
            let next = cdpdk_mbuf_tag(frames[end].unsafelyUnwrapped)
            if next >> 8 != queue { break }
            context.ringTags[end &- start] = next
            end &+= 1
        }
        let run = end &- start
        let txQueue = context.txQueueBase[port] &+ UInt16(truncatingIfNeeded: queue)
        let sent = Int(cdpdk_tx_burst(context.dpdkPorts[port], txQueue, frames + start, UInt16(truncatingIfNeeded: run)))
        counters.add(layout.port(port, .tx), UInt64(sent))
        var index = 0
        while index < sent {
            let dscp = UInt8(truncatingIfNeeded: context.ringTags[index])
            if dscp != 0xFF { counters.add(layout.dscpOut(port, dscp), 1) }
            index &+= 1
        }
        if sent < run {
            context.counters.add(context.layout.drop(port, .txFull), UInt64(run &- sent))
            cdpdk_mbuf_free_bulk(frames + (start &+ sent), UInt32(truncatingIfNeeded: run &- sent))
        }
        start = end
    }
}

/// The TX owner's turn at a shaped port: everything the workers handed over goes into the port's
/// scheduler (by its DSCP's class; the scheduler drops what its queues cannot hold), and what the
/// scheduler releases now goes out. Every 64 rounds the owner reads its queues' counters.
@inline(__always)
func drainScheduled(_ context: WorkerContext, port: Int, scheduler: OpaquePointer, readStats: Bool) {
    let ring = context.shared.txRings[port].unsafelyUnwrapped
    let frames = context.ringFrames
    let counters = context.counters
    let layout = context.layout
    // All of it: the scheduler, not the ring, must be where a class's frames wait or are dropped.
    let countsFrames = context.shared.schedulerCountsFrames[port]
    var arrived = UInt32(truncatingIfNeeded: context.burst)
    while arrived == UInt32(truncatingIfNeeded: context.burst) {
        arrived = cdpdk_ring_dequeue_burst(ring, frames, UInt32(truncatingIfNeeded: context.burst))
        if arrived > 0 { _ = cdpdk_sched_enqueue(scheduler, frames, arrived, context.shared.classOfTag + port &* 256, countsFrames) }
    }
    let released = Int(cdpdk_sched_dequeue(scheduler, frames, UInt32(truncatingIfNeeded: context.burst), countsFrames))
    if released > 0 {
        // Each frame's DSCP, read before the driver may free what it sends.
        var index = 0
        while index < released {
            context.ringTags[index] = UInt32(cdpdk_mbuf_sched_dscp(frames[index].unsafelyUnwrapped))
            index &+= 1
        }
        let sent = Int(cdpdk_tx_burst(context.dpdkPorts[port], context.txQueueBase[port], frames,
                                      UInt16(truncatingIfNeeded: released)))
        counters.add(layout.port(port, .tx), UInt64(sent))
        index = 0
        while index < sent {
            let dscp = context.ringTags[index]
            if dscp != 0xFF { counters.add(layout.dscpOut(port, UInt8(truncatingIfNeeded: dscp)), 1) }
            index &+= 1
        }
        if sent < released {
            counters.add(layout.drop(port, .txFull), UInt64(released &- sent))
            cdpdk_mbuf_free_bulk(frames + sent, UInt32(truncatingIfNeeded: released &- sent))
        }
    }
    if readStats { readSchedulerStats(context, port: port, scheduler: scheduler) }
}

/// Adds what each of the scheduler's queues sent and dropped since the last read to the counters.
@inline(__always)
func readSchedulerStats(_ context: WorkerContext, port: Int, scheduler: OpaquePointer) {
    var queue = 0
    while queue < CounterLayout.schedulerQueues {
        var sent: UInt64 = 0
        var dropped: UInt64 = 0
        cdpdk_sched_queue_stats(scheduler, UInt32(truncatingIfNeeded: queue), &sent, &dropped)
        context.counters.add(context.layout.schedulerQueue(port, queue, dropped: false), sent)
        context.counters.add(context.layout.schedulerQueue(port, queue, dropped: true), dropped)
        context.counters.add(context.layout.drop(port, .egressQueueFull), dropped)
        queue &+= 1
    }
}
