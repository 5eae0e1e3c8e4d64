import Synchronization

/// A `SwitchPolicy` compiled into lookup tables, and the owner of those tables. The dataplane
/// reads `image`; the tables stay valid for as long as this object lives.
public final class CompiledPolicy: @unchecked Sendable {
    public let policy: SwitchPolicy
    public let image: UnsafePointer<PolicyImage>
    private let storage: TableStorage

    /// Table bytes this policy occupies.
    public var tableBytes: Int { storage.bytes }

    private static let identities = Atomic<UInt32>(1)

    /// A new image identity: never 0 (an empty flow-cache slot), unique until 2^32 policies.
    private static func newIdentity() -> UInt32 {
        let identity = identities.add(1, ordering: .relaxed).newValue
        return identity != 0 ? identity : identities.add(1, ordering: .relaxed).newValue
    }

    public init(_ policy: SwitchPolicy, allocator: TableAllocator = .heap) throws {
        self.policy = policy
        storage = TableStorage(allocator: allocator)
        let portCount = policy.ports.count
        guard portCount <= MACTable.maxPorts else {
            throw PolicyLimitError(description: "\(portCount) ports: at most \(MACTable.maxPorts) are supported")
        }
        guard policy.paths.count <= Int(Int16.max) else {
            throw PolicyLimitError(description: "\(policy.paths.count) paths: at most \(Int16.max) are supported")
        }
        let rules = try ClassifierBuilder(rules: policy.rules.map { CompiledPolicy.classifierRule($0.match) },
                                          portCount: portCount).build(into: storage)
        var meters: Int32 = 0
        var actions = policy.rules.map { rule in
            var action = RuleAction(assignment: rule.assignment, mode: rule.mode ?? policy.defaultMode)
            if let police = rule.police {
                action.exceed = police.exceed.code
                action.violate = police.violate.code
                action.meter = meters
                meters += 1
            }
            return action
        }
        actions.append(RuleAction(assignment: policy.defaultAssignment, mode: policy.defaultMode))
        let paths = try ClassifierBuilder(rules: policy.paths.map(CompiledPolicy.classifierRule),
                                          portCount: portCount).build(into: storage)
        let pathActions = policy.paths.map { path in
            switch path.action {
            case .drop: PathAction(port: PathAction.drop, queue: 0)
            case .output(let port, let queue): PathAction(port: Int32(port), queue: UInt16(queue))
            }
        }
        let staticEntries = policy.ports.enumerated().flatMap { index, port in port.macs.map { ($0, index) } }
        var capacity = 16
        while capacity < staticEntries.count * 2 { capacity *= 2 }
        guard let macMemory = storage.allocator.allocate(MACTable.byteCount(capacity: capacity)) else {
            throw TableAllocationError(bytes: MACTable.byteCount(capacity: capacity))
        }
        storage.adopt(macMemory, bytes: MACTable.byteCount(capacity: capacity))
        let staticMACs = MACTable(memory: macMemory, capacity: capacity)
        for (mac, port) in staticEntries { staticMACs.learn(mac.bits, port: port) }
        let storage = self.storage
        let guards = try policy.ports.map { port in try CompiledPolicy.portGuard(port, storage: storage) }
        let stored = try storage.store(PolicyImage(
            identity: CompiledPolicy.newIdentity(), portCount: portCount,
            rules: rules, ruleActions: try storage.store(actions),
            paths: paths, pathActions: try storage.store(pathActions),
            staticMACs: staticMACs, staticMACCount: staticEntries.count,
            portGuards: try storage.store(guards), meteredRules: Int(meters), decisions: nil, decisionsPortStride: 0))
        if let table = DecisionTable.entries(UnsafePointer(stored)) {
            stored.pointee.decisions = UnsafePointer(try storage.store(table.entries))
            stored.pointee.decisionsPortStride = table.portStride
        }
        image = UnsafePointer(stored)
    }

    static func portGuard(_ port: PortSpec, storage: TableStorage) throws -> PortGuard {
        var ipv6 = port.ips.filter { !$0.isIPv4 }
        // A VM's IPv6 link-local address (from its MAC) is its own even when `ips` lists only
        // global prefixes: neighbour discovery and router solicitation send from it.
        if !port.ips.isEmpty { ipv6 += port.macs.map { .v6(address: $0.linkLocalIPv6, length: 128) } }
        let ipv4 = port.ips.filter(\.isIPv4)
        return PortGuard(macLimit: port.macLimit ?? PortGuard.unlimited, portSecurity: port.portSecurity,
                         checksAddresses: !port.ips.isEmpty,
                         ipv4: UnsafePointer(try storage.store(ipv4.map(IPv4Range.init))), ipv4Count: ipv4.count,
                         ipv6: UnsafePointer(try storage.store(ipv6.map(IPv6Range.init))), ipv6Count: ipv6.count)
    }

    static func classifierRule(_ match: FrameMatch) -> ClassifierRule {
        var rule = ClassifierRule()
        func widen<T: BinaryInteger>(_ ranges: [ClosedRange<T>]) -> [ClosedRange<UInt128>] {
            ranges.map { UInt128($0.lowerBound)...UInt128($0.upperBound) }
        }
        if let from = match.from { rule.ranges[.from] = from.map { UInt128($0)...UInt128($0) } }
        if let vlan = match.vlan { rule.ranges[.vlan] = widen(vlan) }
        if let proto = match.proto { rule.ranges[.proto] = proto.map { UInt128($0)...UInt128($0) } }
        if let sport = match.sport { rule.ranges[.sport] = widen(sport) }
        if let dport = match.dport { rule.ranges[.dport] = widen(dport) }
        if let src = match.src { addPrefixes(src, to: &rule, v4: .src4, v6: .src6) }
        if let dst = match.dst { addPrefixes(dst, to: &rule, v4: .dst4, v6: .dst6) }
        return rule
    }

    static func classifierRule(_ path: PathRule) -> ClassifierRule {
        var rule = classifierRule(FrameMatch(from: path.from, dst: path.dst))
        rule.ranges[.dscp] = path.dscps.map { UInt128($0.value)...UInt128($0.value) }
        return rule
    }

    /// An address list constrains both families: a rule naming only IPv4 prefixes accepts no
    /// IPv6 frame, and the reverse.
    private static func addPrefixes(_ prefixes: [IPPrefix], to rule: inout ClassifierRule,
                                    v4: ClassifierField, v6: ClassifierField) {
        rule.ranges[v4] = prefixes.filter(\.isIPv4).map { $0.first...$0.last }
        rule.ranges[v6] = prefixes.filter { !$0.isIPv4 }.map { $0.first...$0.last }
    }
}

extension Policing.Action {
    /// As a `RuleAction` byte.
    var code: UInt8 {
        switch self {
        case .remark(let dscp): dscp.value
        case .drop: RuleAction.drop
        }
    }
}

extension RuleAction {
    init(assignment: DSCPAssignment, mode: QoSMode) {
        switch assignment {
        case .keep: self.init(dscp: RuleAction.keep, monitor: mode == .monitor)
        case .set(let dscp): self.init(dscp: dscp.value, monitor: mode == .monitor)
        }
    }
}

public struct PolicyLimitError: Error, CustomStringConvertible {
    public let description: String
}
