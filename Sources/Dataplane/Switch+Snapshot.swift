import CDPDK
import Synchronization
import VMSwitchCore

extension Switch {
    /// DPDK's name for the port called `name` in the configuration.
    public func deviceName(of name: String) -> String {
        controlLock.withLock { _ in ports.first { $0.spec.name == name }?.deviceName ?? "" }
    }

    /// Frames received on every port so far: cheap enough to poll for idleness.
    public func totalReceived() -> UInt64 {
        ports.reduce(0) { total, port in
            total + (workers?.sum(layout.port(port.index, .rx)) ?? 0)
        }
    }

    /// The counters now, summed over workers, with DPDK's own per-port figures.
    public func snapshot() -> StatsSnapshot {
        controlLock.withLock { _ in snapshotLocked() }
    }

    func snapshotLocked() -> StatsSnapshot {
        func sum(_ index: Int) -> UInt64 {
            workers?.sum(index) ?? 0
        }
        var portStats: [String: StatsSnapshot.Port] = [:]
        for port in ports {
            var drops: [String: UInt64] = [:]
            for reason in DropReason.allCases where reason != .none {
                drops[reason.name] = sum(layout.drop(port.index, reason))
            }
            var dpdk = cdpdk_port_stats()
            _ = cdpdk_port_stats(port.dpdkPort, &dpdk)
            var pairs: [String: UInt64] = [:]
            var dscpIn = [UInt64](repeating: 0, count: 64)
            var verified: UInt64 = 0
            var inconsistent: UInt64 = 0
            for received in 0..<64 {
                for assigned in 0..<64 {
                    let count = sum(layout.dscpPair(port.index, received: UInt8(received), assigned: UInt8(assigned)))
                    guard count > 0 else { continue }
                    pairs["\(received)>\(assigned)"] = count
                    dscpIn[received] += count
                    if received == assigned { verified += count } else { inconsistent += count }
                }
            }
            let poller = placement.map { $0.workers[$0.worker(port: port.index, queue: 0)].lcore }
            portStats[port.spec.name] = StatsSnapshot.Port(
                rx: sum(layout.port(port.index, .rx)), tx: sum(layout.port(port.index, .tx)),
                dropped: drops.values.reduce(0, +), drops: drops,
                link: linkState.indices.contains(port.index) && linkState[port.index] ? "up" : "down",
                numa: portNodes.indices.contains(port.index) ? portNodes[port.index] : nil, lcore: poller,
                rxCrossNode: sum(layout.port(port.index, .rxCrossNode)),
                txCrossNode: sum(layout.port(port.index, .txCrossNode)),
                rxMissed: dpdk.imissed, rxNoMbuf: dpdk.rx_nombuf,
                dscpIn: dscpIn, dscpOut: (0..<64).map { sum(layout.dscpOut(port.index, UInt8($0))) },
                dscpPairs: pairs, verified: verified, inconsistent: inconsistent)
            portStats[port.spec.name]?.macs = learnedMACs?.learnedCount(port: port.index) ?? 0
            if let egress = port.spec.egress {
                var classes: [String: StatsSnapshot.Port.ClassCounts] = [:]
                for (queue, name) in egress.queueNames {
                    classes[name] = .init(sent: sum(layout.schedulerQueue(port.index, queue, dropped: false)),
                                          dropped: sum(layout.schedulerQueue(port.index, queue, dropped: true)))
                }
                portStats[port.spec.name]?.classes = classes
            }
        }
        var rules: [String: StatsSnapshot.Rule] = [:]
        let ruleNames = policy.rules.map(\.name) + ["default"]
        var meter = 0  // the metered rules' index, in rule order as CompiledPolicy numbers them
        for (index, name) in ruleNames.enumerated() {
            let rule = index < policy.rules.count ? policy.rules[index] : nil
            let counts = generation?.ruleCounts(index) ?? (matched: 0, rewritten: 0)
            rules[name] = StatsSnapshot.Rule(
                matched: counts.matched, verified: counts.matched - counts.rewritten, rewritten: counts.rewritten,
                dscp: (rule?.assignment ?? policy.defaultAssignment).description,
                mode: (rule?.mode ?? policy.defaultMode).rawValue)
            if rule?.police != nil, let generation {
                let colours = generation.colourCounts(meter)
                meter += 1
                rules[name]?.green = colours[0]
                rules[name]?.yellow = colours[1]
                rules[name]?.red = colours[2]
            }
        }
        var poolStats: [String: StatsSnapshot.Pool] = [:]
        for (node, pool) in pools {
            poolStats["node\(node)"] = StatsSnapshot.Pool(size: Int(cdpdk_mempool_size(pool)),
                                                           inUse: Int(cdpdk_mempool_in_use(pool)))
        }
        return StatsSnapshot(
            ports: portStats,
            qos: StatsSnapshot.QoS(verified: sum(layout.global(.verified)), rewritten: sum(layout.global(.rewritten)),
                                   monitored: sum(layout.global(.monitored)), malformed: sum(layout.global(.malformed)),
                                   nonIP: sum(layout.global(.nonIP))),
            rules: rules,
            mac: StatsSnapshot.MAC(learned: ports.reduce(0) { $0 + (learnedMACs?.learnedCount(port: $1.index) ?? 0) },
                                   tableFull: sum(layout.global(.macTableFull)),
                                   spoofedSource: sum(layout.global(.spoofedSource)), aged: learnedMACs?.aged ?? 0),
            pools: poolStats,
            work: StatsSnapshot.Work(
                cyclesPerFrame: Double(sum(layout.global(.workCycles))) / Double(max(sum(layout.global(.workFrames)), 1)),
                tscHz: cdpdk_tsc_hz(), rounds: sum(layout.global(.bursts)), busyRounds: sum(layout.global(.busyBursts)),
                flowCacheLookups: sum(layout.global(.flowCacheLookups)), flowCacheHits: sum(layout.global(.flowCacheHits)),
                flowCacheRestingBursts: sum(layout.global(.flowCacheRestingBursts))),
            paths: policy.paths.indices.map { generation?.pathFrames($0) ?? 0 },
            policyVersion: generation?.version ?? 0, seconds: elapsedSeconds,
            portOrder: policy.ports.map(\.name), ruleOrder: ruleNames)
    }
}
