/// `PolicyImage.decisions`: what a frame's rule decides for each ingress port and DSCP received,
/// worked out when the policy is compiled, so that a flow-cache miss whose rule is found takes
/// its whole decision (assignment, path, path action) in one load rather than the rule's action,
/// the final DSCP and the path table's entry in turn.
enum DecisionTable {
    /// Entries a policy's table may have (12 bytes each: 768 KiB), so e.g. 16 ports and 63 rules
    /// (with the default's slot, 64 x 64 DSCPs a port). Past that, `decideStage` works each miss
    /// out as `decision(rule:...)` does.
    static let maxEntries = 65_536

    /// The table for `policy`, or nil where its paths match on more than ingress port and DSCP
    /// (then the path needs the frame) or it would be too large.
    static func entries(_ policy: UnsafePointer<PolicyImage>) -> [FlowDecision]? {
        let slots = policy.rules.pointee.ruleCount + 1
        let ports = policy.pointee.portCount
        let paths = policy.paths
        let pathByDSCP = paths.pointee.ruleCount > 0 ? paths.pointee.byPortAndDSCP : nil
        guard ports * slots * 64 <= maxEntries, paths.pointee.ruleCount == 0 || pathByDSCP != nil else { return nil }
        var table: [FlowDecision] = []
        table.reserveCapacity(ports * slots * 64)
        for port in 0..<ports {
            for slot in 0..<slots {
                for dscp in 0..<64 {
                    var decided = ruleDecision(rule: slot == slots - 1 ? -1 : slot, dscp: UInt8(dscp), policy: policy)
                    if let pathByDSCP {
                        setPath(&decided.decision, Int(pathByDSCP[port * 64 + Int(decided.final)]), policy: policy)
                    }
                    table.append(decided.decision)
                }
            }
        }
        return table
    }
}
