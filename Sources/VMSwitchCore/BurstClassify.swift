/// Stage 3 of the burst pipeline: the frames the flow cache did not answer, classified together.
/// Each step is a loop over all the misses, so the field lookups of one frame and the rule-cache
/// loads of the next are in flight together rather than one frame's chain of dependent loads
/// (field classes, their hash, the rule-cache entry) at a time:
///
/// 1. `matchStage`: every miss's first matching rule: by the (port, DSCP) table where the policy
///    has one; else, for at most 64 rules, the AND of its fields' bitset words; else every miss's
///    field classes (packed as a `RuleKey`) and their hash (prefetching the rule-cache entry),
///    then the rule cache probed (and, on a miss, the rules scanned) in miss order.
/// 2. `decideStage`: the rule's decision (the policy's `DecisionTable` entry where it has one;
///    else the rule's action and the path its final DSCP takes), then admission to the flow cache.
///
/// A miss's decision is exactly `classify`'s for the frame.
@inline(never)
func classifyStage(_ burst: BurstFrames, misses: Int, ingress: Int, policy: UnsafePointer<PolicyImage>,
                   flows: FlowCache, rules: RuleCache) {
    guard misses > 0 else { return }
    matchStage(burst, misses: misses, ingress: ingress, policy: policy, rules: rules)
    decideStage(burst, misses: misses, ingress: ingress, policy: policy, flows: flows)
}

/// Each miss's decision from its rule, then admitted to the flow cache. Where the policy has a
/// `DecisionTable`, the decision is the table's entry for the rule and the frame's DSCP (and the
/// ingress port, where paths tell ports apart); else it is worked out as `decision(rule:...)` does, spelled out so that a miss
/// reads only its DSCP from the key, and the rest of the key only where a path matches on more
/// than the DSCP or the cache admits it.
@inline(never)
func decideStage(_ burst: BurstFrames, misses: Int, ingress: Int, policy: UnsafePointer<PolicyImage>, flows: FlowCache) {
    let identity = policy.pointee.identity
    let missList = burst.misses, found = burst.missRules, keys = burst.keys, decisions = burst.decisions
    if let table = policy.pointee.decisions {
        let byPort = table + ingress &* policy.pointee.decisionsPortStride
        let defaultSlot = policy.rules.pointee.ruleCount
        var miss = 0
        while miss < misses {
            let index = missList[miss]
            let rule = Int(found[miss])
            let dscp = keys[index].dscp & 0x3F
            let entry = byPort + ((rule < 0 ? defaultSlot : rule) &* 64 &+ dscp)
            // Its twelve bytes as two moves (a field-by-field copy takes five of each).
            UnsafeMutableRawPointer(decisions + index).copyMemory(from: entry, byteCount: MemoryLayout<FlowDecision>.size)
            if flows.entries != nil {
                flows.admit(keys[index], identity: identity, hash: burst.hashes[index], decision: entry.pointee)
            }
            miss &+= 1
        }
        return
    }
    let paths = policy.paths
    let pathCount = paths.pointee.ruleCount
    // Paths that match on nothing but the ingress port and DSCP (the usual) are one load.
    let pathByDSCP = pathCount > 0 ? paths.pointee.byPortAndDSCP.map { $0 + ingress &* 64 } : nil
    var miss = 0
    while miss < misses {
        let index = missList[miss]
        let dscp = UInt8(truncatingIfNeeded: keys[index].dscp)
        var decided = ruleDecision(rule: Int(found[miss]), dscp: dscp, policy: policy)
        if let pathByDSCP {
            setPath(&decided.decision, Int(pathByDSCP[Int(decided.final)]), policy: policy)
        } else if pathCount > 0 {
            setPath(&decided.decision, firstPath(burst.data[index].unsafelyUnwrapped,
                                                 ParsedFrame(keys[index], burst.shapes[index]), ingress: ingress,
                                                 policy: policy, final: decided.final), policy: policy)
        }
        decisions[index] = decided.decision
        if flows.entries != nil {
            flows.admit(keys[index], identity: identity, hash: burst.hashes[index], decision: decided.decision)
        }
        miss &+= 1
    }
}

/// The first `paths` entry that matches the frame with DSCP `final`, for entries that match on
/// more than the ingress port and DSCP: out of line, so that the classifier lookup it takes does
/// not crowd the registers of `decideStage`'s usual path (one load), which it did by 7
/// instructions a miss when inlined.
@inline(never)
func firstPath(_ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int, policy: UnsafePointer<PolicyImage>,
               final: UInt8) -> Int {
    ClassifierImage.firstMatch(policy.paths, frame, parsed, from: ingress, dscp: final)
}

/// Each miss's first matching rule (-1: none) into `burst.missRules`: by the (port, DSCP) table
/// where the policy has one, else by the rules' bitsets.
@inline(never)
func matchStage(_ burst: BurstFrames, misses: Int, ingress: Int, policy: UnsafePointer<PolicyImage>, rules: RuleCache) {
    let image = policy.rules
    let missList = burst.misses, keys = burst.keys, found = burst.missRules
    var miss = 0
    if image.pointee.ruleCount == 0 {
        while miss < misses {
            found[miss] = -1
            miss &+= 1
        }
        return
    }
    if let table = image.pointee.byPortAndDSCP {
        while miss < misses {
            let dscp = keys[missList[miss]].dscp
            found[miss] = table[ingress &* 64 &+ dscp]
            miss &+= 1
        }
        return
    }
    if image.pointee.words == 1 {
        matchInOneWord(burst, misses: misses, ingress: ingress, image: image)
    } else {
        matchThroughRuleCache(burst, misses: misses, ingress: ingress, policy: policy, rules: rules)
    }
}

/// Policies of at most 64 rules: each miss's fields' bitset words ANDed (one word each), which
/// costs less than packing, hashing and probing a rule-cache key.
@inline(never)
func matchInOneWord(_ burst: BurstFrames, misses: Int, ingress: Int, image: UnsafePointer<ClassifierImage>) {
    let missList = burst.misses, keys = burst.keys, found = burst.missRules
    let portBits = ClassifierImage.portBits(image, from: ingress)
    var miss = 0
    while miss < misses {
        found[miss] = Int32(truncatingIfNeeded: ClassifierImage.firstMatchInOneWord(image, portBits: portBits,
                                                                                  keys[missList[miss]]))
        miss &+= 1
    }
}

/// Policies of more than 64 rules: every miss's field classes (packed as a `RuleKey`) and their
/// hash, prefetching the rule-cache entry; then the rule cache probed (and, on a miss, the rules
/// scanned) in miss order.
@inline(never)
func matchThroughRuleCache(_ burst: BurstFrames, misses: Int, ingress: Int, policy: UnsafePointer<PolicyImage>,
                           rules: RuleCache) {
    let image = policy.rules
    let missList = burst.misses, keys = burst.keys, shapes = burst.shapes, found = burst.missRules
    let identity = policy.pointee.identity
    let ruleKeys = burst.missKeys, hashes = burst.missHashes
    var miss = 0
    while miss < misses {
        let index = missList[miss]
        let parsed = ParsedFrame(keys[index], shapes[index])
        let key = RuleKey(FieldClasses(image, burst.data[index].unsafelyUnwrapped, parsed, from: ingress, dscp: parsed.dscp),
                          identity: identity)
        ruleKeys[miss] = key
        let hash = key.hash
        hashes[miss] = hash
        rules.prefetch(hash)
        miss &+= 1
    }
    miss = 0
    while miss < misses {
        found[miss] = Int32(truncatingIfNeeded: rules.firstMatch(image, ruleKeys[miss], hash: hashes[miss]))
        miss &+= 1
    }
}
