import Dataplane
import Foundation

/// Talks to a running vmswitch over DPDK's telemetry socket (the one `dpdk-telemetry.py` uses):
/// `<runtime dir>/dpdk_telemetry.v2`, a SOCK_SEQPACKET socket that greets with a JSON line and
/// answers each command with one JSON message.
struct TelemetryClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let socket: Int32
    let maxOutput: Int

    static func socketPath(filePrefix: String) -> String {
        let base = getuid() == 0 ? "/var/run/dpdk"
            : (ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"].map { "\($0)/dpdk" } ?? "/tmp/dpdk")
        return "\(base)/\(filePrefix)/dpdk_telemetry.v2"
    }

    init(filePrefix: String) throws {
        let path = TelemetryClient.socketPath(filePrefix: filePrefix)
        let fd = Foundation.socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        // A switch that stopped answering must not hang `stats` or a Prometheus scrape: bounded
        // connect (a full accept queue blocks it; Linux applies the send timeout) and replies.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            Foundation.close(fd)
            throw Failure(description: "no vmswitch with file prefix \"\(filePrefix)\" is running (\(path): "
                          + "\(String(cString: strerror(errno))))")
        }
        socket = fd
        var greeting = TelemetryClient.receive(fd, capacity: 4096)
        let hello = greeting.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        maxOutput = hello?["max_output_len"] as? Int ?? 16384
        greeting = nil
    }

    func close() { Foundation.close(socket) }

    static func receive(_ fd: Int32, capacity: Int) -> Data? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        let count = recv(fd, &buffer, capacity, 0)
        return count > 0 ? Data(buffer[0..<count]) : nil
    }

    /// The reply to `command` (the value under the command's name), or nil when the command
    /// failed (e.g. an unknown port).
    func query(_ command: String) throws -> Any? {
        guard send(socket, command, command.utf8.count, 0) >= 0,
              let reply = TelemetryClient.receive(socket, capacity: maxOutput + 1024)
        else { throw Failure(description: "the telemetry socket closed") }
        let json = try JSONSerialization.jsonObject(with: reply) as? [String: Any]
        let value = json?[command.split(separator: ",").first.map(String.init) ?? command]
        return value is NSNull ? nil : value
    }

    /// The running switch's counters, assembled from its telemetry commands.
    static func stats(filePrefix: String) throws -> StatsSnapshot {
        let client = try TelemetryClient(filePrefix: filePrefix)
        defer { client.close() }
        guard let summary = try client.query("/vmswitch/ports") as? [String: [String: Any]] else {
            throw Failure(description: "the process with file prefix \"\(filePrefix)\" is not a vmswitch")
        }
        var ports: [String: StatsSnapshot.Port] = [:]
        var order: [(Int, String)] = []
        for entry in summary.values {
            guard let name = entry["name"] as? String,
                  let port = try client.query("/vmswitch/port,\(name)") as? [String: Any] else { continue }
            ports[name] = decodePort(port)
            order.append((ports.count, name))
        }
        var rules: [String: StatsSnapshot.Rule] = [:]
        var ruleOrder: [(Int, String)] = []
        var qos: [String: Any] = [:]
        var first = 0
        repeat {
            guard let page = try client.query("/vmswitch/qos,\(first)") as? [String: Any] else { break }
            qos = page
            for (key, value) in page["rules"] as? [String: String] ?? [:] {
                let fields = value.split(separator: " ").map(String.init)
                guard fields.count >= 6, let index = Int(key.dropFirst()) else { continue }
                let counts = fields.suffix(3).map { UInt64($0) ?? 0 }
                let name = fields.dropLast(5).joined(separator: " ")
                rules[name] = StatsSnapshot.Rule(matched: counts[0], verified: counts[1], rewritten: counts[2],
                                                 dscp: fields[fields.count - 5], mode: fields[fields.count - 4])
                ruleOrder.append((index, name))
                if let colours = (page["police"] as? [String: String])?[key]?.split(separator: " ").compactMap({ UInt64($0) }),
                   colours.count == 3 {
                    rules[name]?.green = colours[0]
                    rules[name]?.yellow = colours[1]
                    rules[name]?.red = colours[2]
                }
            }
            first += SwitchTelemetry.rulesPerPage
        } while first < (qos["rules_total"] as? Int ?? 0)
        let portOrder = try TelemetryClient.portOrder(client, names: Array(ports.keys))
        func number(_ key: String) -> UInt64 { (qos[key] as? NSNumber)?.uint64Value ?? 0 }
        let macs = try client.query("/vmswitch/macs,0") as? [String: Any] ?? [:]
        func macNumber(_ key: String) -> UInt64 { (macs[key] as? NSNumber)?.uint64Value ?? 0 }
        return StatsSnapshot(
            ports: ports,
            qos: StatsSnapshot.QoS(verified: number("verified"), rewritten: number("rewritten"), monitored: number("monitored"),
                                   malformed: number("malformed"), nonIP: number("non_ip")),
            rules: rules,
            mac: StatsSnapshot.MAC(learned: Int(macNumber("learned")), tableFull: macNumber("table_full"),
                                   spoofedSource: macNumber("spoofed_source"), aged: macNumber("aged")),
            pools: [:],
            work: StatsSnapshot.Work(cyclesPerFrame: Double(number("cycles_per_frame")), tscHz: 0, rounds: 0, busyRounds: 0,
                                     flowCacheLookups: number("flow_cache_lookups"), flowCacheHits: number("flow_cache_hits"),
                                     flowCacheRestingBursts: number("flow_cache_resting_bursts")),
            paths: [], policyVersion: number("policy_version"), seconds: 0,
            portOrder: portOrder, ruleOrder: ruleOrder.sorted { $0.0 < $1.0 }.map(\.1))
    }

    /// Ports in configuration order, from the config command's view of the policy.
    static func portOrder(_ client: TelemetryClient, names: [String]) throws -> [String] {
        guard let config = try client.query("/vmswitch/config") as? [String: Any],
              let order = config["port_list"] as? [String] else { return names.sorted() }
        return order.filter(names.contains)
    }

    static func decodePort(_ port: [String: Any]) -> StatsSnapshot.Port {
        func number(_ key: String) -> UInt64 { (port[key] as? NSNumber)?.uint64Value ?? 0 }
        func counts(_ key: String) -> [UInt64] {
            let values = (port[key] as? [NSNumber] ?? []).map(\.uint64Value)
            return values + [UInt64](repeating: 0, count: max(0, 64 - values.count))
        }
        let numa = port["numa"] as? Int ?? -1
        let lcore = port["lcore"] as? Int ?? -1
        var pairs: [String: UInt64] = [:]
        for (key, value) in port["dscp_pairs"] as? [String: NSNumber] ?? [:] {
            pairs[key.replacingOccurrences(of: "_", with: ">")] = value.uint64Value
        }
        return StatsSnapshot.Port(
            rx: number("rx"), tx: number("tx"), dropped: number("dropped"),
            drops: (port["drops"] as? [String: NSNumber] ?? [:]).mapValues(\.uint64Value),
            link: port["link"] as? String ?? "?", numa: numa >= 0 ? numa : nil, lcore: lcore >= 0 ? lcore : nil,
            rxCrossNode: number("rx_cross_node"), txCrossNode: number("tx_cross_node"), rxMissed: number("rx_missed"), rxNoMbuf: number("rx_nombuf"),
            dscpIn: counts("dscp_in"), dscpOut: counts("dscp_out"), dscpPairs: pairs,
            verified: number("verified"), inconsistent: number("inconsistent"), macs: Int(number("macs")),
            classes: (port["classes"] as? [String: String])?.compactMapValues { value in
                let counts = value.split(separator: " ").compactMap { UInt64($0) }
                return counts.count == 2 ? StatsSnapshot.Port.ClassCounts(sent: counts[0], dropped: counts[1]) : nil
            })
    }

    /// Every entry of the running switch's MAC table (static ones first), over as many pages as it takes.
    static func macs(filePrefix: String) throws -> [MACListing.Entry] {
        let client = try TelemetryClient(filePrefix: filePrefix)
        defer { client.close() }
        var entries: [(Int, MACListing.Entry)] = []
        var first = 0
        var total = 0
        repeat {
            guard let page = try client.query("/vmswitch/macs,\(first)") as? [String: Any] else {
                throw Failure(description: "the process with file prefix \"\(filePrefix)\" is not a vmswitch")
            }
            total = page["entries_total"] as? Int ?? 0
            for (key, value) in page["entries"] as? [String: String] ?? [:] {
                let fields = value.split(separator: " ").map(String.init)
                guard fields.count == 3, let index = Int(key.dropFirst()) else { continue }
                entries.append((index, MACListing.Entry(mac: fields[0], port: fields[1],
                                                        age: fields[2] == "static" ? nil : Double(fields[2]))))
            }
            first += SwitchTelemetry.macsPerPage
        } while first < total
        return entries.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
