import CDPDK
import Synchronization
import VMSwitchCore

/// One version of the policy as the workers run it: a compiled image on each NUMA node that has
/// workers, and per worker a `WorkerPolicy` with this version's rule and path counters. The
/// control side builds it whole, publishes it, and frees it once no worker uses it.
final class PolicyGeneration {
    let policy: SwitchPolicy
    let version: UInt64
    private(set) var workerPolicies: [UnsafeMutablePointer<WorkerPolicy>] = []
    private var compiled: [Int: CompiledPolicy] = [:]
    /// Rules with a `police:` meter.
    private(set) var meteredRules = 0
    private let memory = NodeMemory()

    init(policy: SwitchPolicy, version: UInt64, workers: [Placement.Worker]) throws {
        self.policy = policy
        self.version = version
        do {
            for node in Set(workers.map(\.node)) {
                compiled[node] = try CompiledPolicy(policy, allocator: NodeMemory.tableAllocator(node: node))
            }
            let ruleCounters = (policy.rules.count + 1) * CounterLayout.perRule
            var floodProfiles: [Int: UnsafeMutablePointer<UnsafeMutableRawPointer?>] = [:]
            for node in Set(workers.map(\.node)) { floodProfiles[node] = try makeFloodProfiles(node: node) }
            let meterBuilder = RuleMeterBuilder(policy: policy, memory: memory)
            var meterProfiles: [Int: (profiles: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
                                      twoRate: UnsafeMutablePointer<Bool>, countsFrames: UnsafeMutablePointer<Bool>)] = [:]
            for node in Set(workers.map(\.node)) {
                let flags = try meterBuilder.flags(node: node)
                meterProfiles[node] = (try meterBuilder.profiles(node: node), flags.twoRate, flags.countsFrames)
            }
            let meterStates = try meterBuilder.states(profiles: meterProfiles.values.first!.profiles)
            meteredRules = meterBuilder.metered.count
            for worker in workers {
                let rules = try memory.allocate(Atomic<UInt64>.self, count: ruleCounters, node: worker.node)
                for slot in 0..<ruleCounters { (rules + slot).initialize(to: Atomic(0)) }
                let paths = try memory.allocate(Atomic<UInt64>.self, count: policy.paths.count, node: worker.node)
                for slot in 0..<policy.paths.count { (paths + slot).initialize(to: Atomic(0)) }
                let view = try memory.allocate(WorkerPolicy.self, count: 1, node: worker.node)
                let colours = try memory.allocate(Atomic<UInt64>.self, count: max(1, meteredRules * 3), node: worker.node)
                for slot in 0..<max(1, meteredRules * 3) { (colours + slot).initialize(to: Atomic(0)) }
                let shared = meterProfiles[worker.node]!
                let meters = RuleMeters(profiles: shared.profiles, twoRate: shared.twoRate, countsFrames: shared.countsFrames,
                                        states: meterStates.0, stateBytes: meterStates.1, portCount: policy.ports.count,
                                        colours: colours)
                view.initialize(to: WorkerPolicy(image: compiled[worker.node]!.image, ruleCounters: rules, pathCounters: paths,
                                                 floodProfiles: floodProfiles[worker.node]!, meters: meters))
                workerPolicies.append(view)
            }
        } catch {
            release()
            throw error
        }
    }

    /// Per port, the rte_meter profile of its flood limit, shared by its rx queues' meters: each
    /// queue's worker meters what arrives on that queue, so a queue gets its share of the rate.
    private func makeFloodProfiles(node: Int) throws -> UnsafeMutablePointer<UnsafeMutableRawPointer?> {
        let profiles = try memory.allocate(UnsafeMutableRawPointer?.self, count: policy.ports.count, node: node)
        for (index, port) in policy.ports.enumerated() {
            profiles[index] = nil
            guard let limit = port.floodLimit else { continue }
            let profile = try memory.allocate(UInt8.self, count: cdpdk_police_profile_size(), node: node)
            let rate = FloodLimit(perSecond: limit, queues: port.queues)
            // An srTCM counting frames (one token each), no excess bucket: a frame is green or red.
            guard cdpdk_police_profile_config(profile, false, UInt64(rate.perQueue), UInt64(rate.burst), 0, 0) == 0 else {
                throw SwitchError("port \(port.name): flood-limit \(limit): rte_meter refused the rate")
            }
            profiles[index] = UnsafeMutableRawPointer(profile)
        }
        return profiles
    }

    /// Frames rule `index` (the default at `policy.rules.count`) matched, and of them rewrote.
    func ruleCounts(_ index: Int) -> (matched: UInt64, rewritten: UInt64) {
        let (verified, rewritten) = workerPolicies.reduce((UInt64(0), UInt64(0))) { total, view in
            let base = view.pointee.ruleCounters + index * CounterLayout.perRule
            return (total.0 + base.pointee.load(ordering: .relaxed), total.1 + (base + 1).pointee.load(ordering: .relaxed))
        }
        return (verified + rewritten, rewritten)
    }

    /// Frames metered rule `meter` coloured green, yellow and red (summed over workers).
    func colourCounts(_ meter: Int) -> [UInt64] {
        (0..<3).map { colour in
            workerPolicies.reduce(0) { $0 + ($1.pointee.meters.colours + (meter * 3 + colour)).pointee.load(ordering: .relaxed) }
        }
    }

    func pathFrames(_ index: Int) -> UInt64 {
        workerPolicies.reduce(0) { $0 + ($1.pointee.pathCounters + index).pointee.load(ordering: .relaxed) }
    }

    func release() {
        workerPolicies.removeAll()
        compiled.removeAll()
        memory.freeAll()
    }
}
