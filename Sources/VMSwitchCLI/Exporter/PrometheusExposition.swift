import Dataplane
import Prometheus

/// A running switch's counters in Prometheus' text format, written by swift-prometheus: one fresh
/// registry per scrape, filled from the switch's telemetry. Names follow Prometheus' conventions
/// (`vmswitch_<subsystem>_<name>_<unit>`, counters end in `_total`); ports, rules, drop reasons,
/// DSCPs (as numbers, 0-63) and scheduler classes are labels.
public enum PrometheusExposition {
    /// The text format's media type, for the HTTP response.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `stats` is nil when no switch answered: only `vmswitch_up 0` is written then.
    public static func render(_ stats: StatsSnapshot?) -> [UInt8] {
        let metrics = Metrics()
        metrics.gauge(nil, "up", unit: "", "1 when the switch answered over telemetry, 0 when it did not.",
                      value: stats == nil ? 0 : 1)
        guard let stats else { return metrics.registry.emitToBuffer() }
        metrics.gauge(nil, "policy_version", unit: "", "The version of the policy in force (1 at start, +1 a reload).",
                      value: Double(stats.policyVersion))
        for name in stats.portOrder {
            if let port = stats.ports[name] { add(port, named: name, to: metrics) }
        }
        add(stats.qos, to: metrics)
        for name in stats.ruleOrder {
            if let rule = stats.rules[name] { add(rule, named: name, to: metrics) }
        }
        metrics.gauge("mac", "learned", unit: "entries", "MAC addresses learned now.", value: Double(stats.mac.learned))
        metrics.counter("mac", "table_full", "Sources not learned because the MAC table was full.", stats.mac.tableFull)
        metrics.counter("mac", "aged", "Learned MACs removed by aging.", stats.mac.aged, unit: "entries_total")
        metrics.gauge("work", "cycles_per_frame", unit: "", "TSC cycles of the switch's own work per frame (drivers excluded).",
                      value: stats.work.cyclesPerFrame)
        metrics.counter("flow_cache", "lookups", "IP frames looked up in the workers' flow caches.",
                        stats.work.flowCacheLookups)
        metrics.counter("flow_cache", "hits", "IP frames the flow caches answered.", stats.work.flowCacheHits)
        metrics.counter("flow_cache", "resting",
                        "Bursts decided while a worker's flow cache stood aside, not paying for itself.",
                        stats.work.flowCacheRestingBursts, unit: "bursts_total")
        return metrics.registry.emitToBuffer()
    }

    static func add(_ port: StatsSnapshot.Port, named name: String, to metrics: Metrics) {
        let label = [("port", name)]
        metrics.counter("port", "rx", "Frames received on the port.", port.rx, labels: label)
        metrics.counter("port", "tx", "Frames sent on the port.", port.tx, labels: label)
        for (reason, count) in port.drops.sorted(by: { $0.key < $1.key }) {
            metrics.counter("port", "dropped", "Frames received on the port and dropped, or meant for it and not sent, by reason.",
                            count, labels: label + [("reason", reason)])
        }
        metrics.counter("port", "rx_missed", "Frames the NIC or driver could not deliver (imissed).", port.rxMissed, labels: label)
        metrics.counter("port", "rx_nombuf", "Frames lost for want of an mbuf at receive.", port.rxNoMbuf, labels: label)
        metrics.counter("port", "verified", "IP frames received that already carried the DSCP the policy assigns.",
                        port.verified, labels: label)
        metrics.counter("port", "inconsistent", "IP frames received with another DSCP than the policy assigns.",
                        port.inconsistent, labels: label)
        for (dscp, count) in port.dscpIn.enumerated() where count > 0 {
            metrics.counter("port", "dscp_in", "IP frames received, by DSCP as received.", count,
                            labels: label + [("dscp", String(dscp))])
        }
        for (dscp, count) in port.dscpOut.enumerated() where count > 0 {
            metrics.counter("port", "dscp_out", "IP frames sent, by DSCP as sent.", count,
                            labels: label + [("dscp", String(dscp))])
        }
        metrics.gauge("port", "link_up", unit: "", "1 when the port's link is up.", value: port.link == "up" ? 1 : 0,
                      labels: label)
        metrics.gauge("port", "macs", unit: "", "MAC addresses learned on the port now.", value: Double(port.macs),
                      labels: label)
        for (name, counts) in (port.classes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let labels = label + [("class", name)]
            metrics.counter("port", "class_sent", "Frames an egress scheduler class accepted.", counts.sent, labels: labels)
            metrics.counter("port", "class_dropped", "Frames an egress scheduler class dropped (queue full).",
                            counts.dropped, labels: labels)
        }
    }

    static func add(_ qos: StatsSnapshot.QoS, to metrics: Metrics) {
        metrics.counter("qos", "verified", "IP frames that already carried their assigned DSCP.", qos.verified)
        metrics.counter("qos", "rewritten", "IP frames whose DSCP the policy rewrote (or would, in monitor mode).", qos.rewritten)
        metrics.counter("qos", "monitored", "Of rewritten: left unchanged by a monitor-mode rule.", qos.monitored)
        metrics.counter("qos", "malformed", "Frames that could not be parsed.", qos.malformed)
        metrics.counter("qos", "non_ip", "Frames that were neither IPv4 nor IPv6.", qos.nonIP)
    }

    static func add(_ rule: StatsSnapshot.Rule, named name: String, to metrics: Metrics) {
        let label = [("rule", name)]
        metrics.counter("rule", "matched", "Frames the rule matched.", rule.matched, labels: label)
        metrics.counter("rule", "verified", "Frames the rule matched that carried its DSCP already.", rule.verified, labels: label)
        metrics.counter("rule", "rewritten", "Frames the rule matched with another DSCP.", rule.rewritten, labels: label)
        for (colour, count) in [("green", rule.green), ("yellow", rule.yellow), ("red", rule.red)] {
            guard let count else { continue }
            metrics.counter("rule", "police", "A policed rule's frames by meter colour.", count,
                            labels: label + [("colour", colour)])
        }
    }

    /// The registry of one scrape and the two kinds of metric written into it.
    final class Metrics {
        let registry = PrometheusCollectorRegistry()

        func counter(_ subsystem: String?, _ name: String, _ help: String, _ value: UInt64,
                     unit: String = "frames_total", labels: [(String, String)] = []) {
            let descriptor = MetricNameDescriptor(namespace: "vmswitch", subsystem: subsystem, metricName: name,
                                                  unitName: unit, helpText: help)
            registry.makeCounter(descriptor: descriptor, labels: labels).increment(by: Int64(clamping: value))
        }

        func gauge(_ subsystem: String?, _ name: String, unit: String, _ help: String, value: Double,
                   labels: [(String, String)] = []) {
            let descriptor = MetricNameDescriptor(namespace: "vmswitch", subsystem: subsystem, metricName: name,
                                                  unitName: unit, helpText: help)
            registry.makeGauge(descriptor: descriptor, labels: labels).set(value)
        }
    }
}
