/// Which rules a NIC can apply itself, for frames arriving on one physical port, and as what
/// `rte_flow` pattern and action. A NIC applies flows by priority, so only a *prefix* of the rule
/// list can move to hardware: the first rule it cannot express (or that must stay in software:
/// `keep`, monitor mode) ends the offload, and every rule after it stays in software too, or the
/// first-match order would break.
public struct OffloadPlan: Sendable, Equatable {
    /// One hardware flow: match these fields, set this DSCP.
    public struct Flow: Sendable, Equatable {
        public var rule: Int
        public var ipv6: Bool
        /// Outermost VLAN ID to match, or nil.
        public var vlan: UInt16?
        public var source: (address: UInt128, mask: UInt128)?
        public var destination: (address: UInt128, mask: UInt128)?
        public var proto: UInt8?
        public var sourcePort: (value: UInt16, mask: UInt16)?
        public var destinationPort: (value: UInt16, mask: UInt16)?
        public var dscp: UInt8

        public static func == (a: Flow, b: Flow) -> Bool {
            a.rule == b.rule && a.ipv6 == b.ipv6 && a.vlan == b.vlan && a.proto == b.proto && a.dscp == b.dscp
                && a.source?.address == b.source?.address && a.source?.mask == b.source?.mask
                && a.destination?.address == b.destination?.address && a.destination?.mask == b.destination?.mask
                && a.sourcePort?.value == b.sourcePort?.value && a.sourcePort?.mask == b.sourcePort?.mask
                && a.destinationPort?.value == b.destinationPort?.value
                && a.destinationPort?.mask == b.destinationPort?.mask
        }
    }

    public enum Status: Sendable, Equatable {
        /// Expressed as these flows (one per address family it matches).
        case offloadable
        /// Stays in software, and why.
        case software(String)
        /// The rule never applies to frames from this port.
        case notApplicable
    }

    public var flows: [Flow]
    /// Per rule, in rule order.
    public var status: [Status]

    public init(policy: SwitchPolicy, port: Int) {
        flows = []
        status = []
        var blocked: String?
        for (index, rule) in policy.rules.enumerated() {
            if let from = rule.match.from, !from.contains(port) {
                status.append(.notApplicable)
                continue
            }
            if let reason = blocked {
                status.append(.software(reason))
                continue
            }
            switch OffloadPlan.translate(rule, index: index, mode: rule.mode ?? policy.defaultMode) {
            case .success(let ruleFlows):
                flows += ruleFlows
                status.append(.offloadable)
            case .failure(let why):
                status.append(.software(why.reason))
                blocked = "after rule \(rule.name), which stays in software"
            }
        }
    }

    struct Untranslatable: Error {
        let reason: String
    }

    static func translate(_ rule: QoSRule, index: Int, mode: QoSMode) -> Result<[Flow], Untranslatable> {
        guard mode == .enforce else { return .failure(Untranslatable(reason: "monitor mode")) }
        guard case .set(let dscp) = rule.assignment else { return .failure(Untranslatable(reason: "dscp: keep")) }
        let match = rule.match
        var vlan: UInt16?
        if let ranges = match.vlan {
            guard ranges.count == 1, ranges[0].lowerBound == ranges[0].upperBound else {
                return .failure(Untranslatable(reason: "a VLAN range"))
            }
            vlan = ranges[0].lowerBound
        }
        var proto: UInt8?
        if let list = match.proto {
            guard list.count == 1 else { return .failure(Untranslatable(reason: "several protocols")) }
            proto = list[0]
        }
        func port(_ ranges: [ClosedRange<UInt16>]?, _ name: String) -> Result<(value: UInt16, mask: UInt16)?, Untranslatable> {
            guard let ranges else { return .success(nil) }
            guard ranges.count == 1, let masked = maskedRange(ranges[0]) else {
                return .failure(Untranslatable(reason: "\(name) is not one value or an aligned power-of-two block"))
            }
            guard proto == IPProtocol.tcp || proto == IPProtocol.udp || proto == IPProtocol.sctp else {
                return .failure(Untranslatable(reason: "\(name) without proto tcp, udp or sctp"))
            }
            return .success(masked)
        }
        let sport: (value: UInt16, mask: UInt16)?
        let dport: (value: UInt16, mask: UInt16)?
        switch (port(match.sport, "sport"), port(match.dport, "dport")) {
        case (.failure(let why), _), (_, .failure(let why)): return .failure(why)
        case (.success(let s), .success(let d)):
            sport = s
            dport = d
        }
        var flows: [Flow] = []
        for ipv6 in [false, true] {
            func prefix(_ list: [IPPrefix]?, _ name: String) -> Result<(UInt128, UInt128)??, Untranslatable> {
                guard let list else { return .success(.some(nil)) }
                let family = list.filter { $0.isIPv4 != ipv6 }
                if family.isEmpty { return .success(nil) }  // this family never matches
                guard family.count == 1 else { return .failure(Untranslatable(reason: "several \(name) prefixes")) }
                return .success(.some((family[0].first, family[0].first ^ family[0].last ^ (ipv6 ? UInt128.max : UInt128(UInt32.max)))))
            }
            let source: (UInt128, UInt128)?
            let destination: (UInt128, UInt128)?
            switch (prefix(match.src, "src"), prefix(match.dst, "dst")) {
            case (.failure(let why), _), (_, .failure(let why)): return .failure(why)
            case (.success(nil), _), (_, .success(nil)): continue
            case (.success(.some(let s)), .success(.some(let d))):
                source = s
                destination = d
            }
            flows.append(Flow(rule: index, ipv6: ipv6, vlan: vlan,
                              source: source.map { (address: $0.0, mask: $0.1) },
                              destination: destination.map { (address: $0.0, mask: $0.1) },
                              proto: proto, sourcePort: sport, destinationPort: dport, dscp: dscp.value))
        }
        return .success(flows)
    }

    /// A range a single value/mask pair covers exactly: a power-of-two block aligned to its size.
    static func maskedRange(_ range: ClosedRange<UInt16>) -> (value: UInt16, mask: UInt16)? {
        let size = Int(range.upperBound) - Int(range.lowerBound) + 1
        guard size & (size - 1) == 0, Int(range.lowerBound) % size == 0 else { return nil }
        return (range.lowerBound, UInt16(truncatingIfNeeded: ~(size - 1)))
    }
}
