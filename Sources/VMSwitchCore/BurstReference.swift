/// The burst pipeline's reference: `decideFrame` on each frame in order (one MAC memo for the
/// burst, as the dataplane's per-frame loop used; each with its colour from `burst.colours` when
/// the policy meters), counted by `QoSTally.count(_:audit:)`. The
/// differential test and the fuzzer require `decideBurst` to leave the same dispatches, frame
/// bytes, MAC table, totals and audit counters as this.
public func decideBurstOneByOne(_ burst: BurstFrames, count: Int, ingress: Int, policy: UnsafePointer<PolicyImage>,
                                learned: MACTable, flows: FlowCache, tally: inout QoSTally, audit: AuditCounters?) {
    var memo = MACMemo()
    let metered = policy.pointee.meteredRules > 0
    for index in 0..<count {
        let verdict = decideFrame(burst.data[index]!, length: burst.length[index], ingress: ingress, policy: policy,
                                  learned: learned, flows: flows, memo: &memo,
                                  colour: metered ? burst.colours[index] : FrameColour.green)
        tally.count(verdict, audit: audit)
        burst.dispatches[index] = Dispatch(verdict)
    }
}
