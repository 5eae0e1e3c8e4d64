/// The whole per-frame pipeline: parse, look up the assigned QoS (in the worker's flow cache, or
/// by classifying), apply the frame's meter `colour` (a policed rule's remark or drop), verify or
/// rewrite the DSCP in place, learn the source MAC, and route by the
/// final DSCP's path or by destination MAC. The dataplane runs the same steps a stage at a time
/// over a burst (`decideBurst`); this frame-at-a-time form is their reference, which the
/// differential test and the fuzzer hold the burst pipeline to.
///
/// `@_transparent` rather than `@inline(__always)`: the latter was not honoured for this function
/// across modules, and the call, its spills and its packed result cost 8 % of throughput.
@_transparent
public func decideFrame(_ frame: UnsafeMutableRawPointer, length: Int, ingress: Int,
                        policy: UnsafePointer<PolicyImage>, learned: MACTable,
                        flows: FlowCache = .disabled, memo: inout MACMemo, colour: UInt8 = FrameColour.green) -> Verdict {
    var verdict = Verdict()
    let parsed = parseFrame(frame, length: length)
    if parsed.kind == .malformed {
        verdict.outcome = .malformed
        verdict.dropReason = .malformed
        return verdict
    }
    admitSource(frame, length: length, kind: parsed.kind, l3: parsed.l3, source: loadMAC(frame, 6), ingress: ingress,
                guarded: policy.pointee.portGuards[ingress].portSecurity, policy: policy, learned: learned,
                memo: &memo, into: &verdict)
    var path = false
    if parsed.kind != .nonIP {
        let key = FlowKey(frame, parsed, ingress: ingress)
        let hash = key.hash
        let identity = policy.pointee.identity
        var decision: FlowDecision
        if let cached = flows.lookup(key, identity: identity, hash: hash) {
            decision = cached
        } else {
            decision = classify(frame, parsed, ingress: ingress, policy: policy)
            flows.store(key, identity: identity, hash: hash, decision: decision)
        }
        var policed = false
        if colour != FrameColour.green {
            if let recoloured = decision.recoloured(colour, frame, parsed, ingress: ingress, policy: policy) {
                decision = recoloured
            } else {
                policed = true
            }
        }
        applyQoS(frame, parsed, decision, into: &verdict)
        if policed && verdict.dropReason == .none { verdict.dropReason = .police }
        if decision.path >= 0 {
            // The path decided the frame even when its source drops it (counted as the path's).
            path = true
            if verdict.dropReason == .none {
                routeByPath(decision, ingress: ingress, into: &verdict)
            } else {
                verdict.path = Int32(truncatingIfNeeded: decision.path)
            }
        }
    }
    if !path && verdict.dropReason == .none {
        routeByMAC(loadMAC(frame, 0), ingress: ingress, policy: policy, learned: learned, memo: &memo, into: &verdict)
    }
    return verdict
}

/// The slow path, on a flow-cache miss: the rule that assigns the frame's QoS (the default's slot
/// when none matches), what it assigns, and the path its final DSCP takes with that path's action.
/// (The burst path finds the rules of a burst's misses together, see `classifyStage`.)
@usableFromInline @inline(never)
func classify(_ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int,
              policy: UnsafePointer<PolicyImage>) -> FlowDecision {
    let rules = policy.rules
    var rule = -1
    if rules.pointee.ruleCount == 0 {
        // No rules: the default.
    } else if let table = rules.pointee.byPortAndDSCP {
        rule = Int(table[ingress &* 64 &+ Int(parsed.dscp)])
    } else {
        rule = ClassifierImage.firstMatch(rules, FieldClasses(rules, frame, parsed, from: ingress, dscp: parsed.dscp))
    }
    return decision(rule: rule, frame, parsed, ingress: ingress, policy: policy)
}

/// What rule `matched` (its index, or -1 for none: the default) decides for the frame: what it
/// assigns, and the path its final DSCP takes with that path's action.
@inlinable @inline(__always)
func decision(rule matched: Int, _ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int,
              policy: UnsafePointer<PolicyImage>) -> FlowDecision {
    var decided = ruleDecision(rule: matched, dscp: parsed.dscp, policy: policy)
    assignPath(&decided.decision, frame, parsed, ingress: ingress, policy: policy, final: decided.final)
    return decided.decision
}

/// What rule `matched` (or the default, for -1) assigns a frame carrying `dscp`, with no path
/// yet, and the DSCP the frame leaves with (which picks the path).
@inlinable @inline(__always)
func ruleDecision(rule matched: Int, dscp: UInt8, policy: UnsafePointer<PolicyImage>)
    -> (decision: FlowDecision, final: UInt8) {
    let rule = matched < 0 ? policy.rules.pointee.ruleCount : matched
    let action = policy.pointee.ruleActions[rule]
    let decision = FlowDecision(rule: Int32(truncatingIfNeeded: rule), path: FlowDecision.noPath, dscp: action.dscp,
                                monitor: action.monitor, pathPort: 0, queue: 0)
    return (decision, action.dscp == RuleAction.keep || action.monitor ? dscp : action.dscp)
}

/// Verifies or rewrites the frame's DSCP as `decision` says, into `verdict`'s QoS fields.
@inlinable @inline(__always)
func applyQoS(_ frame: UnsafeMutableRawPointer, _ parsed: ParsedFrame, _ decision: FlowDecision,
              into verdict: inout Verdict) {
    applyQoS(frame, dscp: parsed.dscp, l3: parsed.l3, isIPv6: parsed.kind == .ipv6, decision, into: &verdict)
}

@inlinable @inline(__always)
func applyQoS(_ frame: UnsafeMutableRawPointer, dscp: UInt8, l3: Int, isIPv6: Bool, _ decision: FlowDecision,
              into verdict: inout Verdict) {
    verdict.rule = decision.rule
    verdict.dscpIn = dscp
    verdict.dscpOut = dscp
    verdict.assigned = dscp
    if decision.dscp == RuleAction.keep || decision.dscp == dscp {
        verdict.outcome = .verified
    } else if decision.monitor {
        verdict.assigned = decision.dscp
        verdict.outcome = .rewritten
        verdict.monitorOnly = true
    } else {
        verdict.outcome = .rewritten
        verdict.assigned = decision.dscp
        verdict.dscpOut = decision.dscp
        rewriteDSCP(frame, l3: l3, isIPv6: isIPv6, to: decision.dscp)
    }
}
