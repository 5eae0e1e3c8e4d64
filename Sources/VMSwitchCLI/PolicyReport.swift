import VMSwitchCore

/// What `vmswitch check` prints: the policy as vmswitch understood it, and its compiled size.
enum PolicyReport {
    static func render(_ config: SwitchConfig, compiled: CompiledPolicy) -> String {
        let policy = config.policy
        let names = policy.ports.map(\.name)
        var lines = ["\(config.file): OK", "", "ports (DPDK port order):"]
        for (index, port) in policy.ports.enumerated() {
            var backend: String
            switch port.backend {
            case .device(let devargs): backend = "device \(devargs)"
            case .vhost(let path, let client): backend = "vhost-user \(client ? "client" : "server") \(path)"
            }
            if port.queues > 1 { backend += ", \(port.queues) queues" }
            let numa = port.numa.map { ", numa \($0)" } ?? ""
            let macs = port.macs.isEmpty ? "" : ", static MAC " + port.macs.map(\.description).joined(separator: " ")
            lines.append("  \(index) \(port.name) (\(port.role.rawValue)): \(backend)\(numa)\(macs)")
            lines.append("    " + safety(port))
            if let egress = port.egress { lines.append("    " + describe(egress)) }
        }
        lines.append("mac-aging: " + (policy.macAging == 0 ? "never" : "\(policy.macAging) s"))
        lines.append("")
        lines.append("qos rules (first match wins; mode \(policy.defaultMode.rawValue) unless given):")
        for (index, rule) in policy.rules.enumerated() {
            let mode = rule.mode.map { " [\($0.rawValue)]" } ?? ""
            lines.append("  \(index + 1) \(rule.name): \(PolicyDescription.match(rule.match, portNames: names)) "
                         + "-> dscp \(rule.assignment)\(mode)")
            if let police = rule.police { lines.append("      police: " + describe(police)) }
        }
        lines.append("  default: -> dscp \(policy.defaultAssignment)")
        if !policy.paths.isEmpty {
            lines.append("")
            lines.append("paths (by final DSCP; first match wins):")
            for (index, path) in policy.paths.enumerated() {
                lines.append("  \(index + 1) \(PolicyDescription.path(path, portNames: names))")
            }
        }
        for (index, port) in policy.ports.enumerated() where port.role == .physical && port.offload {
            let plan = OffloadPlan(policy: policy, port: index)
            lines.append("")
            lines.append("offload on \(port.name) (offload: auto; applied if its NIC supports rte_flow DSCP rewrite):")
            if policy.rules.isEmpty { lines.append("  no rules") }
            for (rule, status) in zip(policy.rules, plan.status) {
                switch status {
                case .offloadable: lines.append("  \(rule.name): hardware")
                case .software(let why): lines.append("  \(rule.name): software (\(why))")
                case .notApplicable: lines.append("  \(rule.name): not for this port")
                }
            }
        }
        let image = compiled.image.pointee
        lines.append("")
        lines.append("compiled: \(image.rules.ruleCount) rules in \(image.rules.words) bitset word(s), "
                     + "\(image.paths.ruleCount) paths, \(image.staticMACCount) static MACs, "
                     + "\(compiled.tableBytes) table bytes")
        return lines.joined(separator: "\n")
    }

    /// A port's egress scheduler in one line: rate, classes in priority order, best-effort queues.
    static func describe(_ egress: EgressShaping) -> String {
        func rate(_ value: UInt64) -> String { egress.countsFrames ? "\(value) frames/s" : "\(value * 8) bit/s" }
        let classes = egress.classes.map { item in
            "\(item.name) [" + item.dscps.map(\.description).joined(separator: " ") + "]" + (item.rate.map { " max " + rate($0) } ?? "")
        }
        let queues = egress.bestEffort.map { queue in
            "\(queue.name) [" + (queue.dscps.isEmpty ? "the rest" : queue.dscps.map(\.description).joined(separator: " "))
                + "] weight \(queue.weight)"
        }
        return "egress: shaped to \(rate(egress.rate)) (rte_sched), strict priority: "
            + (classes.isEmpty ? "none" : classes.joined(separator: " > ")) + "; best effort: " + queues.joined(separator: ", ")
            + "; \(egress.queueSize) frames per queue"
    }

    /// A rule's meter in one line: which RFC's marker, its rates, what each colour gets.
    static func describe(_ police: Policing) -> String {
        func rate(_ value: UInt64) -> String { police.unit == .frames ? "\(value) frames/s" : "\(value * 8) bit/s" }
        func size(_ value: UInt64) -> String { police.unit == .frames ? "\(value) frames" : "\(value) bytes" }
        func action(_ action: Policing.Action) -> String {
            switch action {
            case .drop: "drop"
            case .remark(let dscp): "dscp \(dscp)"
            }
        }
        let meter = police.peak.map { peak in
            "trTCM (RFC 2698) rate \(rate(police.rate)) burst \(size(police.burst)), peak \(rate(peak)) burst "
                + size(police.peakBurst ?? 0)
        } ?? "srTCM (RFC 2697) rate \(rate(police.rate)) burst \(size(police.burst)), excess burst \(size(police.excessBurst))"
        return meter + "; green: the rule's dscp, yellow: \(action(police.exceed)), red: \(action(police.violate))"
    }

    /// A port's tenant safety in one line: learning limit, port security, flood limit.
    static func safety(_ port: PortSpec) -> String {
        var parts = ["mac-limit " + (port.macLimit.map(String.init) ?? "none")]
        if port.portSecurity {
            parts.append("port-security: source MAC " + port.macs.map(\.description).joined(separator: " ")
                         + (port.ips.isEmpty ? "" : ", source IP " + port.ips.map(\.description).joined(separator: " ")))
        } else {
            parts.append("port-security off")
        }
        parts.append("flood-limit " + (port.floodLimit.map { "\($0)/s" } ?? "none"))
        return parts.joined(separator: ", ")
    }
}
