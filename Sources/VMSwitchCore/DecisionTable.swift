/// `PolicyImage.decisions`: what a frame's rule decides for each DSCP received (and each ingress
/// port, where a path names ports), worked out when the policy is compiled, so that a flow-cache
/// miss whose rule is found takes its whole decision (assignment, path, path action) in one load
/// rather than the rule's action, the final DSCP and the path table's entry in turn.
enum DecisionTable {
    /// Entries a policy's table may have (12 bytes each: 1.5 MiB), e.g. 2047 rules (with the
    /// default's slot, 2048 x 64 DSCPs) where no path names an ingress port, or 16 ports and 127
    /// rules where one does. Past that, `decideStage` works each miss out as `decision(rule:...)`.
    static let maxEntries = 131_072

    /// The table for `policy` and the distance between two ingress ports' parts (0 where no path
    /// tells ports apart: one part serves them all); nil where its paths match on more than
    /// ingress port and DSCP (then the path needs the frame) or the table would be too large.
    static func entries(_ policy: UnsafePointer<PolicyImage>) -> (entries: [FlowDecision], portStride: Int)? {
        let slots = policy.rules.pointee.ruleCount + 1
        let paths = policy.paths
        let pathByDSCP = paths.pointee.ruleCount > 0 ? paths.pointee.byPortAndDSCP : nil
        guard paths.pointee.ruleCount == 0 || pathByDSCP != nil else { return nil }
        let portCount = max(policy.pointee.portCount, 1)
        let samePathsForEveryPort = pathByDSCP.map { paths in
            (1..<portCount).allSatisfy { port in (0..<64).allSatisfy { paths[port * 64 + $0] == paths[$0] } }
        } ?? true
        let ports = samePathsForEveryPort ? 1 : portCount
        guard ports * slots * 64 <= maxEntries else { return nil }
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
        return (table, ports == 1 ? 0 : slots * 64)
    }
}
