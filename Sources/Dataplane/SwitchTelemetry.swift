#if canImport(Glibc)
import Glibc
#endif
import CDPDK
import Synchronization
import VMSwitchCore

/// vmswitch's commands on DPDK's telemetry socket, for `dpdk-telemetry.py`, `vmswitch stats` and
/// `vmswitch audit`:
///
/// - `/vmswitch/ports`: every port's rx, tx, dropped, link, NUMA node and polling lcore;
/// - `/vmswitch/port,NAME`: one port in full: drop reasons, DSCP histograms in and out, and the
///   (received -> assigned) DSCP pairs;
/// - `/vmswitch/qos[,FIRST]`: verified/rewritten/malformed/non-IP totals and up to 100 rules'
///   counters from rule FIRST on (with the policed ones' frames by meter colour);
/// - `/vmswitch/paths`: each `paths` entry and the frames it took;
/// - `/vmswitch/config`: the policy in force, its version and file;
/// - `/vmswitch/offload`: per physical port, each rule in hardware or software (and why);
/// - `/vmswitch/reload`: re-read the configuration file (as SIGHUP does) and say what happened;
/// - `/vmswitch/macs[,FIRST]`: the MAC table's totals and up to 200 entries from entry FIRST on.
///
/// Handlers run on DPDK's telemetry thread; they read the switch under its control lock.
public enum SwitchTelemetry {
    static let current = Mutex<Switch?>(nil)
    static let registered = Atomic<Bool>(false)
    public static let rulesPerPage = 100
    public static let macsPerPage = 200

    /// Makes `running` the switch the commands describe (registering them on first use).
    public static func attach(_ running: Switch) {
        current.withLock { $0 = running }
        guard registered.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        _ = cdpdk_telemetry_register("/vmswitch/ports", telemetryPorts,
                                     "vmswitch ports: rx, tx, dropped, link, numa, lcore. No parameters")
        _ = cdpdk_telemetry_register("/vmswitch/port", telemetryPort,
                                     "One vmswitch port in full: drops, DSCP in/out, DSCP pairs. Parameter: port name")
        _ = cdpdk_telemetry_register("/vmswitch/qos", telemetryQoS,
                                     "vmswitch QoS totals and per-rule counters. Parameter: first rule (default 0)")
        _ = cdpdk_telemetry_register("/vmswitch/paths", telemetryPaths, "vmswitch paths and their frames. No parameters")
        _ = cdpdk_telemetry_register("/vmswitch/config", telemetryConfig,
                                     "The vmswitch policy in force and its version. No parameters")
        _ = cdpdk_telemetry_register("/vmswitch/offload", telemetryOffload,
                                     "Per physical port, which rules the NIC rewrites (rte_flow). No parameters")
        _ = cdpdk_telemetry_register("/vmswitch/reload", telemetryReload,
                                     "Re-read the vmswitch configuration file. No parameters")
        _ = cdpdk_telemetry_register("/vmswitch/macs", telemetryMACs,
                                     "vmswitch MAC table: static and learned MACs, port, age. Parameter: first entry (default 0)")
    }

    public static func detach() { current.withLock { $0 = nil } }

    static func respond(_ data: OpaquePointer?, _ build: (Switch, TelemetryData) -> Bool) -> Int32 {
        guard let data, let running = current.withLock({ $0 }) else { return -1 }
        let reply = TelemetryData(data: data)
        reply.startDict()
        return build(running, reply) ? 0 : -1
    }

    static func parameter(_ params: UnsafePointer<CChar>?) -> String {
        params.map { String(cString: $0) } ?? ""
    }
}

typealias TelemetryHandler = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, OpaquePointer?) -> Int32

let telemetryPorts: TelemetryHandler = { _, _, data in
    SwitchTelemetry.respond(data) { running, reply in
        let stats = running.snapshot()
        for name in stats.portOrder {
            guard let port = stats.ports[name] else { continue }
            reply.dict(name) { entry in
                addSummary(of: port, named: name, device: running.deviceName(of: name), to: entry)
            }
        }
        return true
    }
}

/// What `/vmswitch/ports` says of each port, and `/vmswitch/port` first.
func addSummary(of port: StatsSnapshot.Port, named name: String, device: String, to entry: TelemetryData) {
    entry.add("name", name)
    entry.add("device", device)
    entry.add("rx", port.rx)
    entry.add("tx", port.tx)
    entry.add("dropped", port.dropped)
    entry.add("link", port.link)
    entry.add("numa", port.numa ?? -1)
    entry.add("lcore", port.lcore ?? -1)
    entry.add("rx_cross_node", port.rxCrossNode)
    entry.add("tx_cross_node", port.txCrossNode)
    entry.add("rx_missed", port.rxMissed)
    entry.add("rx_nombuf", port.rxNoMbuf)
    entry.add("macs", port.macs)
}

let telemetryPort: TelemetryHandler = { _, params, data in
    SwitchTelemetry.respond(data) { running, reply in
        let name = SwitchTelemetry.parameter(params)
        let stats = running.snapshot()
        guard let port = stats.ports[name] else { return false }
        addSummary(of: port, named: name, device: running.deviceName(of: name), to: reply)
        reply.add("verified", port.verified)
        reply.add("inconsistent", port.inconsistent)
        reply.dict("drops") { drops in for (reason, count) in port.drops.sorted(by: { $0.key < $1.key }) { drops.add(reason, count) } }
        if let classes = port.classes {
            // `egress:` ports: "sent dropped" per scheduler class.
            reply.dict("classes") { list in
                for (name, counts) in classes.sorted(by: { $0.key < $1.key }) { list.add(name, "\(counts.sent) \(counts.dropped)") }
            }
        }
        reply.array("dscp_in", port.dscpIn)
        reply.array("dscp_out", port.dscpOut)
        reply.dict("dscp_pairs") { pairs in
            // received_assigned -> frames; the 200 largest (telemetry dictionaries hold 256).
            for (key, count) in port.dscpPairs.sorted(by: { $0.value > $1.value }).prefix(200) {
                pairs.add(String(key.map { $0 == ">" ? "_" : $0 }), count)
            }
        }
        return true
    }
}

let telemetryQoS: TelemetryHandler = { _, params, data in
    SwitchTelemetry.respond(data) { running, reply in
        let first = max(0, Int(SwitchTelemetry.parameter(params)) ?? 0)
        let stats = running.snapshot()
        reply.add("policy_version", stats.policyVersion)
        reply.add("verified", stats.qos.verified)
        reply.add("rewritten", stats.qos.rewritten)
        reply.add("monitored", stats.qos.monitored)
        reply.add("malformed", stats.qos.malformed)
        reply.add("non_ip", stats.qos.nonIP)
        reply.add("cycles_per_frame", UInt64(stats.work.cyclesPerFrame.rounded()))
        reply.add("flow_cache_lookups", stats.work.flowCacheLookups)
        reply.add("flow_cache_hits", stats.work.flowCacheHits)
        reply.add("flow_cache_resting_bursts", stats.work.flowCacheRestingBursts)
        reply.add("rules_total", stats.ruleOrder.count)
        reply.add("rules_first", first)
        reply.dict("rules") { rules in
            for (index, name) in stats.ruleOrder.enumerated().dropFirst(first).prefix(SwitchTelemetry.rulesPerPage) {
                guard let rule = stats.rules[name] else { continue }
                // Telemetry nests one level: each rule is "index name dscp mode matched verified rewritten".
                rules.add("r\(index)", "\(name) \(rule.dscp) \(rule.mode) \(rule.matched) \(rule.verified) \(rule.rewritten)")
            }
        }
        reply.dict("police") { police in
            // Policed rules of the same page: "green yellow red" frames by meter colour.
            for (index, name) in stats.ruleOrder.enumerated().dropFirst(first).prefix(SwitchTelemetry.rulesPerPage) {
                guard let rule = stats.rules[name], let green = rule.green else { continue }
                police.add("r\(index)", "\(green) \(rule.yellow ?? 0) \(rule.red ?? 0)")
            }
        }
        return true
    }
}

let telemetryPaths: TelemetryHandler = { _, _, data in
    SwitchTelemetry.respond(data) { running, reply in
        let stats = running.snapshot()
        let policy = running.policy
        for (index, path) in policy.paths.enumerated() {
            reply.add("path\(index + 1)", "\(PolicyDescription.path(path, portNames: policy.ports.map(\.name))) frames "
                      + "\(index < stats.paths.count ? stats.paths[index] : 0)")
        }
        return true
    }
}

let telemetryConfig: TelemetryHandler = { _, _, data in
    SwitchTelemetry.respond(data) { running, reply in
        let policy = running.policy
        reply.add("version", running.policyVersion)
        reply.add("file", running.configurationFile ?? "")
        reply.strings("port_list", policy.ports.map(\.name))
        reply.add("rules", policy.rules.count)
        reply.add("paths", policy.paths.count)
        reply.add("default", policy.defaultAssignment.description)
        reply.add("mode", policy.defaultMode.rawValue)
        reply.strings("rule_list", policy.rules.map { rule in
            "\(rule.name): \(PolicyDescription.match(rule.match, portNames: policy.ports.map(\.name))) -> \(rule.assignment)"
                + (rule.mode.map { " [\($0.rawValue)]" } ?? "")
        })
        return true
    }
}

let telemetryReload: TelemetryHandler = { _, _, data in
    SwitchTelemetry.respond(data) { running, reply in
        // Telemetry strings hold 127 characters: the outcome and version are fields of their own,
        // the full reason is in the switch's log.
        let result = running.reloads.request(timeout: 10)
        reply.add("reloaded", result.hasPrefix("reloaded") ? 1 : 0)
        reply.add("version", running.policyVersion)
        reply.add("message", result)
        return true
    }
}

let telemetryOffload: TelemetryHandler = { _, _, data in
    SwitchTelemetry.respond(data) { running, reply in
        let (status, rules) = running.controlLock.withLock { _ in (running.offloadStatus, running.policy.rules.map(\.name)) }
        for (port, states) in status.sorted(by: { $0.key < $1.key }) {
            reply.strings(port, zip(rules, states).map { "\($0): \($1)" })
        }
        return true
    }
}

let telemetryMACs: TelemetryHandler = { _, params, data in
    SwitchTelemetry.respond(data) { running, reply in
        let first = max(0, Int(SwitchTelemetry.parameter(params)) ?? 0)
        let stats = running.snapshot()
        let entries = running.macEntries()
        let names = running.policy.ports.map(\.name)
        reply.add("learned", stats.mac.learned)
        reply.add("aged", stats.mac.aged)
        reply.add("table_full", stats.mac.tableFull)
        reply.add("spoofed_source", stats.mac.spoofedSource)
        reply.add("entries_total", entries.count)
        reply.add("entries_first", first)
        reply.dict("entries") { list in
            // Telemetry nests one level: each entry is "mac port age" (age "static" for a port's own MAC).
            for (index, entry) in entries.enumerated().dropFirst(first).prefix(SwitchTelemetry.macsPerPage) {
                let port = names.indices.contains(entry.port) ? names[entry.port] : "?"
                list.add("m\(index)", "\(entry.mac) \(port) " + (entry.age.map { "\(($0 * 100).rounded() / 100)" } ?? "static"))
            }
        }
        return true
    }
}
