import Dataplane
import VMSwitchCore

/// Human-readable tables of a `StatsSnapshot`.
public enum StatsReport {
    public static func render(_ stats: StatsSnapshot) -> String {
        var lines: [String] = []
        lines.append(table(
            header: ["port", "link", "rx", "tx", "dropped", "drop reasons", "rx_missed", "macs"],
            rows: stats.portOrder.compactMap { name in
                guard let port = stats.ports[name] else { return nil }
                let reasons = port.drops.filter { $0.value > 0 }.sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                return [name, port.link, "\(port.rx)", "\(port.tx)", "\(port.dropped)",
                        reasons.isEmpty ? "-" : reasons, "\(port.rxMissed + port.rxNoMbuf)", "\(port.macs)"]
            }))
        for name in stats.portOrder {
            guard let classes = stats.ports[name]?.classes else { continue }
            lines.append("egress \(name): " + classes.sorted { $0.key < $1.key }
                .map { "\($0.key) sent \($0.value.sent) dropped \($0.value.dropped)" }.joined(separator: ", "))
        }
        lines.append("")
        let qos = stats.qos
        lines.append("qos: verified \(qos.verified)  rewritten \(qos.rewritten)"
                     + (qos.monitored > 0 ? " (monitor-only \(qos.monitored))" : "")
                     + "  malformed \(qos.malformed)  non-ip \(qos.nonIP)")
        let mac = stats.mac
        lines.append("mac: learned \(mac.learned)  aged \(mac.aged)  table full \(mac.tableFull)  "
                     + "spoofed sources \(mac.spoofedSource)")
        lines.append(workLine(stats.work))
        lines.append("")
        let policed = stats.rules.values.contains { $0.green != nil }
        lines.append(table(
            header: ["rule", "dscp", "mode", "matched", "verified", "rewritten"] + (policed ? ["green", "yellow", "red"] : []),
            rows: stats.ruleOrder.compactMap { name in
                guard let rule = stats.rules[name] else { return nil }
                let colours = [rule.green, rule.yellow, rule.red].map { $0.map(String.init) ?? "-" }
                return [name, rule.dscp, rule.mode, "\(rule.matched)", "\(rule.verified)", "\(rule.rewritten)"]
                    + (policed ? colours : [])
            }))
        let used = (0..<64).filter { dscp in
            stats.ports.values.contains { $0.dscpIn[dscp] > 0 || $0.dscpOut[dscp] > 0 }
        }
        if !used.isEmpty {
            lines.append("")
            lines.append("per-DSCP frames, in (as received) / out (as sent):")
            lines.append(table(
                header: ["dscp"] + stats.portOrder,
                rows: used.map { dscp in
                    [DSCP(dscp)!.description] + stats.portOrder.map { name in
                        let port = stats.ports[name]!
                        return "\(port.dscpIn[dscp]) / \(port.dscpOut[dscp])"
                    }
                }))
        }
        return lines.joined(separator: "\n")
    }

    /// What the workers' own work cost a frame, how often they found frames, and what their flow
    /// caches did (the `work` section of the JSON).
    public static func workLine(_ work: StatsSnapshot.Work) -> String {
        let busy = work.rounds == 0 ? 0 : 100 * Double(work.busyRounds) / Double(work.rounds)
        var line = "work: " + String(format: "%.1f", work.cyclesPerFrame) + " TSC cycles a frame  busy rounds "
            + String(format: "%.1f", busy) + " %  flow cache: "
        if work.flowCacheLookups > 0 {
            line += "hits \(work.flowCacheHits) of \(work.flowCacheLookups) lookups ("
                + String(format: "%.1f", 100 * Double(work.flowCacheHits) / Double(work.flowCacheLookups)) + " %)"
        } else {
            line += "no lookups"
        }
        return line + "  resting bursts \(work.flowCacheRestingBursts)"
    }

    static func table(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max()!
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column == 0 || column == 1 && header[1] == "link"
                    ? cell.padding(widths[column]) : cell.leftPadding(widths[column])
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
