import CDPDK
import VMSwitchCore

// A worker's output: each decided frame into the TX buffer of its egress port and queue (or
// flooded, or freed under its drop reason), and the buffers flushed to the ports, or handed
// through a port's ring to the worker that transmits on it, once per burst.

/// Puts each decided frame into its egress port's TX buffer (every port but the ingress one when
/// it floods, within the ingress port's flood limit), or frees it, counted under its drop reason.
@inline(__always)
func dispatch(_ context: WorkerContext, frames: BurstFrames, ingress: Int, received: Int,
              floodLimit: UnsafeMutableRawPointer?, floodMeter: UnsafeMutableRawPointer, now: UInt64) {
    let counters = context.counters
    let layout = context.layout
    var drops = 0
    // The run of frames that go to one TX buffer: their egress and queue (`Dispatch.route`),
    // whether the egress link is up (read once for the run), the buffer, and its next slot, kept
    // here (not in `txCount`) while frames keep going to it, so that a frame's slot neither
    // waits on the last one's store nor costs a multiplication.
    var runRoute = UInt64.max
    var runUp = false
    var runBuffer = -1
    var runSlot = 0
    var index = 0
    while index < received {
        let frame = context.rxFrames[index].unsafelyUnwrapped
        let verdict = frames.dispatches[index]
        if verdict.egress >= 0 {
            if verdict.route != runRoute {
                if runBuffer >= 0 { context.txCount[runBuffer] = runSlot &- runBuffer &* context.burst }
                let egress = Int(verdict.egress)
                runRoute = verdict.route
                runUp = context.shared.linkUp[egress].load(ordering: .relaxed)
                runBuffer = txBuffer(context, port: egress, queue: Int(verdict.queue))
                runSlot = runBuffer &* context.burst &+ context.txCount[runBuffer]
            }
            if runUp {
                context.txFrames[runSlot] = frame
                context.txDSCP[runSlot] = verdict.dscp
                runSlot &+= 1
            } else {
                counters.add(layout.drop(Int(verdict.egress), .linkDown), 1)
                context.dropFrames[drops] = frame
                drops &+= 1
            }
        } else if verdict.egress == Verdict.flood {
            if runBuffer >= 0 {  // flooding fills buffers through `txCount`
                context.txCount[runBuffer] = runSlot &- runBuffer &* context.burst
                runBuffer = -1
                runRoute = UInt64.max
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
    if runBuffer >= 0 { context.txCount[runBuffer] = runSlot &- runBuffer &* context.burst }
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
