import CDPDK
import VMSwitchCore

// A port's TX owner: the worker that transmits what the others handed over through the port's
// ring, and, on a shaped port (`egress:`), runs its scheduler.

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
