import CDPDK
import Synchronization
import VMSwitchCore

/// The `police:` meters of one policy version, as a worker reads them. Metering is per rx queue:
/// the meter of (rule, ingress port, rx queue) is written only by the worker polling that queue
/// (no lock, no atomic), and each queue gets an equal share of the rule's rates and bursts, so a
/// port's queues together allow what the rule says (exactly so for a one-queue port, as a VM's
/// usually is; with several queues RSS decides how evenly a VM's flows share them).
public struct RuleMeters: BitwiseCopyable {
    /// Per (metered rule, port): the rte_meter profile of that port's queues.
    var profiles: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// Per metered rule: trTCM (else srTCM), and whether it counts frames (else bytes).
    var twoRate: UnsafeMutablePointer<Bool>
    var countsFrames: UnsafeMutablePointer<Bool>
    /// Per (metered rule, port, rx queue): the meter's state, `stateBytes` each.
    var states: UnsafeMutableRawPointer
    var stateBytes: Int
    var portCount: Int
    /// This worker's frames per metered rule and colour (green, yellow, red).
    var colours: UnsafeMutablePointer<Atomic<UInt64>>

    @inline(__always)
    func state(meter: Int, port: Int, queue: Int) -> UnsafeMutableRawPointer {
        states + ((meter &* portCount &+ port) &* SharedState.maxQueues &+ queue) &* stateBytes
    }

    /// Colours every IP frame of the burst: by its rule's meter (for this port and queue) when
    /// the rule is policed, green otherwise; counts the colours.
    @inline(__always)
    func colour(_ frames: BurstFrames, mbufs: UnsafeMutablePointer<OpaquePointer?>, count: Int,
                actions: UnsafePointer<RuleAction>, port: Int, queue: Int, now: UInt64) {
        var index = 0
        while index < count {
            var colour = FrameColour.green
            if frames.shapes[index].isIP {
                let meter = Int(actions[Int(frames.decisions[index].rule)].meter)
                if meter >= 0 {
                    let length = countsFrames[meter] ? 1 : cdpdk_mbuf_pkt_len(mbufs[index].unsafelyUnwrapped)
                    colour = cdpdk_police_colour(state(meter: meter, port: port, queue: queue),
                                                 profiles[meter &* portCount &+ port], twoRate[meter], now, length)
                    let counter = colours + (meter &* 3 &+ Int(colour))
                    counter.pointee.store(counter.pointee.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
                }
            }
            frames.colours[index] = colour
            index &+= 1
        }
    }
}

/// Builds a policy version's meters: profiles per node, states shared (each written by one worker).
struct RuleMeterBuilder {
    let policy: SwitchPolicy
    let memory: NodeMemory
    let metered: [Policing]

    init(policy: SwitchPolicy, memory: NodeMemory) {
        self.policy = policy
        self.memory = memory
        metered = policy.rules.compactMap(\.police)
    }

    /// The states, every meter starting with full buckets.
    func states(profiles: UnsafeMutablePointer<UnsafeMutableRawPointer?>) throws -> (UnsafeMutableRawPointer, Int) {
        let bytes = (cdpdk_police_meter_size() + 63) & ~63
        let count = max(1, metered.count * policy.ports.count * SharedState.maxQueues)
        let states = UnsafeMutableRawPointer(try memory.allocate(UInt8.self, count: count * bytes, node: -1))
        for (meter, police) in metered.enumerated() {
            for port in policy.ports.indices {
                for queue in 0..<SharedState.maxQueues {
                    let state = states + ((meter * policy.ports.count + port) * SharedState.maxQueues + queue) * bytes
                    _ = cdpdk_police_meter_init(state, profiles[meter * policy.ports.count + port], police.isTwoRate)
                }
            }
        }
        return (states, bytes)
    }

    /// Per (metered rule, port) profiles in `node`'s memory.
    func profiles(node: Int) throws -> UnsafeMutablePointer<UnsafeMutableRawPointer?> {
        let portCount = policy.ports.count
        let profiles = try memory.allocate(UnsafeMutableRawPointer?.self, count: max(1, metered.count * portCount), node: node)
        let names = policy.rules.filter { $0.police != nil }.map(\.name)
        for (meter, police) in metered.enumerated() {
            for (port, spec) in policy.ports.enumerated() {
                // A queue's share, but a burst never below one full-size frame (else such frames
                // could never be green on a multi-queue port), and 0 stays 0 (no excess bucket).
                let queues = UInt64(spec.queues)
                let share = { (value: UInt64) in value == 0 ? 0 : max(1, (value + queues - 1) / queues) }
                let burstShare = { (value: UInt64) in
                    police.unit == .bytes ? max(share(value), min(value, 1518)) : share(value)
                }
                let profile = UnsafeMutableRawPointer(try memory.allocate(UInt8.self, count: cdpdk_police_profile_size(), node: node))
                let result = cdpdk_police_profile_config(profile, police.isTwoRate, share(police.rate), burstShare(police.burst),
                                                         share(police.peak ?? 0),
                                                         burstShare(police.isTwoRate ? police.peakBurst ?? 0 : police.excessBurst))
                guard result == 0 else {
                    throw SwitchError("rule \(names[meter]): rte_meter refused its police rates (\(result))")
                }
                profiles[meter * portCount + port] = profile
            }
        }
        return profiles
    }

    func flags(node: Int) throws -> (twoRate: UnsafeMutablePointer<Bool>, countsFrames: UnsafeMutablePointer<Bool>) {
        let twoRate = try memory.allocate(Bool.self, count: max(1, metered.count), node: node)
        let countsFrames = try memory.allocate(Bool.self, count: max(1, metered.count), node: node)
        for (meter, police) in metered.enumerated() {
            twoRate[meter] = police.isTwoRate
            countsFrames[meter] = police.unit == .frames
        }
        return (twoRate, countsFrames)
    }
}
