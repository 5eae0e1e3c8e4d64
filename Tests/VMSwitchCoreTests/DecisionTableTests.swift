import Testing
import Traffic
import VMSwitchCore

/// `PolicyImage.decisions`: built where paths match on nothing but ingress port and DSCP and the
/// table fits, and, through the burst pipeline, deciding as `decideFrame` does for every
/// (ingress port, rule, DSCP received).
@Suite struct DecisionTableTests {
    static let rules = [
        QoSRule(name: "voice", match: FrameMatch(from: [1], proto: [IPProtocol.udp]), assignment: .set(DSCP(46)!)),
        QoSRule(name: "watch", match: FrameMatch(proto: [IPProtocol.udp]), assignment: .set(DSCP(10)!), mode: .monitor),
        QoSRule(name: "trusted", match: FrameMatch(from: [2]), assignment: .keep),
    ]
    static let paths = [
        PathRule(dscps: [DSCP(46)!], from: [1], action: .output(port: 2, queue: 1)),
        PathRule(dscps: [DSCP(10)!, DSCP(56)!], action: .drop),
        PathRule(dscps: [DSCP(0)!], from: [0], action: .output(port: 1, queue: 0)),
    ]

    static func policy(rules: [QoSRule] = rules, paths: [PathRule] = paths, portCount: Int = 3) throws -> CompiledPolicy {
        let ports = (0..<portCount).map { PortSpec(name: "p\($0)", role: .virtual, backend: .device("net_null_p\($0)")) }
        return try CompiledPolicy(SwitchPolicy(ports: ports, rules: rules,
                                               defaultAssignment: .set(DSCP(0)!), paths: paths))
    }

    @Test func builtOnlyWherePathsNeedNoMoreThanPortAndDSCPAndTheTableFits() throws {
        let image = try DecisionTableTests.policy().image.pointee
        #expect(image.decisions != nil && image.decisionsPortStride == 4 * 64)  // a path names ports
        let byDSCPOnly = [PathRule(dscps: [DSCP(46)!], action: .output(port: 2, queue: 1))]
        for paths in [[], byDSCPOnly] {
            let shared = try DecisionTableTests.policy(paths: paths).image.pointee
            #expect(shared.decisions != nil && shared.decisionsPortStride == 0)  // one part for every port
        }
        let byAddress = [PathRule(dscps: [DSCP(46)!], dst: [try IPPrefix(parsing: "10.0.1.0/24")], action: .drop)]
        #expect(try DecisionTableTests.policy(paths: byAddress).image.pointee.decisions == nil)
        // 2 ports told apart x (1023 rules + the default) x 64 DSCPs: exactly the cap; one rule
        // more passes it, unless no path tells the ports apart.
        let many = (0..<1023).map { QoSRule(name: "r\($0)", match: FrameMatch(dport: [UInt16($0)...UInt16($0)]),
                                            assignment: .set(DSCP($0 % 64)!)) }
        #expect(try DecisionTableTests.policy(rules: many, portCount: 2).image.pointee.decisions != nil)
        let tooMany = many + [QoSRule(name: "one more", match: FrameMatch(dport: [2000...2000]), assignment: .keep)]
        #expect(try DecisionTableTests.policy(rules: tooMany, portCount: 2).image.pointee.decisions == nil)
        #expect(try DecisionTableTests.policy(rules: tooMany, paths: byDSCPOnly, portCount: 2).image.pointee.decisions != nil)
    }

    /// UDP (voice on port 1, else monitored) and TCP (trusted on port 2, else the default) frames
    /// with each of the 64 DSCPs from each port, through the pipeline and frame by frame.
    @Test func decidesAsTheReferenceForEveryPortRuleAndDSCP() throws {
        let policy = try DecisionTableTests.policy()
        try #require(policy.image.pointee.decisions != nil)
        let reference = BurstPipelineTests.Side(flowCapacity: 0, macCapacity: 32)
        let batched = BurstPipelineTests.Side(flowCapacity: 0, macCapacity: 32)
        var outcomes = Set<String>()
        for ingress in 0..<3 {
            for proto in [IPProtocol.udp, IPProtocol.tcp] {
                let frames = (0..<64).map { v4Frame(dscp: UInt8($0), proto: proto).build() }
                for half in [frames[..<32], frames[32...]] {
                    let burst = Array(half)
                    let colours = [UInt8](repeating: FrameColour.green, count: burst.count)
                    let expected = reference.run(burst, colours: colours, ingress: ingress, policy: policy, batched: false,
                                                 audit: true)
                    let actual = batched.run(burst, colours: colours, ingress: ingress, policy: policy, batched: true,
                                             audit: true)
                    try #require(actual.bytes == expected.bytes && actual.dispatches == expected.dispatches,
                                 "port \(ingress), protocol \(proto)")
                    expected.dispatches.forEach { outcomes.insert("\($0.egress)/\($0.queue)/\($0.dropReason)/\($0.dscp)") }
                }
            }
        }
        #expect(batched.tally == reference.tally && batched.auditValues == reference.auditValues)
        // Each path was taken, and frames left by MAC (flooded) too.
        #expect(outcomes.contains("2/1/none/46") && outcomes.contains("1/0/none/0")
                && outcomes.contains { $0.hasSuffix("/pathDrop/10") } && outcomes.contains { $0.hasPrefix("\(Verdict.flood)/") })
    }
}
