import Testing
import VMSwitchCore

@Suite struct OffloadPlanTests {
    let switchPorts = ports("uplink", "vm1")

    func plan(_ rules: [QoSRule], mode: QoSMode = .enforce) -> OffloadPlan {
        OffloadPlan(policy: SwitchPolicy(ports: switchPorts, rules: rules, defaultMode: mode), port: 0)
    }

    @Test func exactFieldsBecomeOneFlowPerFamily() throws {
        let rule = QoSRule(name: "ssh", match: FrameMatch(vlan: [100...100], src: [try IPPrefix(parsing: "10.1.0.0/16")],
                                                          proto: [IPProtocol.tcp], dport: [22...22]),
                           assignment: .set(DSCP(16)!))
        let result = plan([rule])
        #expect(result.status == [.offloadable])
        #expect(result.flows.count == 1)
        let flow = result.flows[0]
        #expect(!flow.ipv6 && flow.vlan == 100 && flow.proto == 6 && flow.dscp == 16)
        #expect(flow.source?.address == 0x0A01_0000 && flow.source?.mask == 0xFFFF_0000)
        #expect(flow.destinationPort?.value == 22 && flow.destinationPort?.mask == 0xFFFF)
        let both = plan([QoSRule(name: "any", match: FrameMatch(proto: [IPProtocol.udp]), assignment: .set(DSCP(46)!))])
        #expect(both.flows.map(\.ipv6) == [false, true])
    }

    @Test func alignedPortBlocksAreMasks() {
        let low = plan([QoSRule(name: "low", match: FrameMatch(proto: [IPProtocol.udp], dport: [0...1023]),
                                assignment: .set(DSCP(8)!))])
        #expect(low.flows.first?.destinationPort?.value == 0 && low.flows.first?.destinationPort?.mask == 0xFC00)
        let odd = plan([QoSRule(name: "sip", match: FrameMatch(proto: [IPProtocol.udp], dport: [5060...5080]),
                                assignment: .set(DSCP(46)!))])
        #expect(odd.flows.isEmpty)
        guard case .software(let why) = odd.status[0] else { Issue.record("offloaded"); return }
        #expect(why.contains("dport"))
    }

    @Test func onlyAPrefixOfTheRulesMovesToHardware() {
        let rules = [
            QoSRule(name: "a", match: FrameMatch(proto: [IPProtocol.udp]), assignment: .set(DSCP(46)!)),
            QoSRule(name: "b", match: FrameMatch(proto: [IPProtocol.tcp]), assignment: .keep),
            QoSRule(name: "c", match: FrameMatch(proto: [IPProtocol.icmp]), assignment: .set(DSCP(8)!)),
            QoSRule(name: "d", match: FrameMatch(from: [1]), assignment: .set(DSCP(0)!)),
        ]
        let result = plan(rules)
        #expect(result.status[0] == .offloadable)
        #expect(result.status[1] == .software("dscp: keep"))
        #expect(result.status[2] == .software("after rule b, which stays in software"))
        #expect(result.status[3] == .notApplicable)
        #expect(Set(result.flows.map(\.rule)) == [0])
    }

    @Test func monitorModeStaysInSoftware() {
        let result = plan([QoSRule(name: "a", assignment: .set(DSCP(46)!))], mode: .monitor)
        #expect(result.status == [.software("monitor mode")] && result.flows.isEmpty)
    }

    @Test func aFamilyTheRuleCannotMatchGetsNoFlow() throws {
        let result = plan([QoSRule(name: "v6", match: FrameMatch(dst: [try IPPrefix(parsing: "2001:db8::/32")]),
                                   assignment: .set(DSCP(10)!))])
        #expect(result.flows.count == 1 && result.flows[0].ipv6)
        #expect(result.flows[0].destination?.mask == UInt128.max << 96)
    }
}
