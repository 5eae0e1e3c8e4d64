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
    private let memory = NodeMemory()

    init(policy: SwitchPolicy, version: UInt64, workers: [Placement.Worker]) throws {
        self.policy = policy
        self.version = version
        do {
            for node in Set(workers.map(\.node)) {
                compiled[node] = try CompiledPolicy(policy, allocator: NodeMemory.tableAllocator(node: node))
            }
            let ruleCounters = (policy.rules.count + 1) * CounterLayout.perRule
            for worker in workers {
                let rules = try memory.allocate(Atomic<UInt64>.self, count: ruleCounters, node: worker.node)
                for slot in 0..<ruleCounters { (rules + slot).initialize(to: Atomic(0)) }
                let paths = try memory.allocate(Atomic<UInt64>.self, count: policy.paths.count, node: worker.node)
                for slot in 0..<policy.paths.count { (paths + slot).initialize(to: Atomic(0)) }
                let view = try memory.allocate(WorkerPolicy.self, count: 1, node: worker.node)
                view.initialize(to: WorkerPolicy(image: compiled[worker.node]!.image, ruleCounters: rules, pathCounters: paths))
                workerPolicies.append(view)
            }
        } catch {
            release()
            throw error
        }
    }

    /// Frames rule `index` (the default at `policy.rules.count`) matched, and of them rewrote.
    func ruleCounts(_ index: Int) -> (matched: UInt64, rewritten: UInt64) {
        let (verified, rewritten) = workerPolicies.reduce((UInt64(0), UInt64(0))) { total, view in
            let base = view.pointee.ruleCounters + index * CounterLayout.perRule
            return (total.0 + base.pointee.load(ordering: .relaxed), total.1 + (base + 1).pointee.load(ordering: .relaxed))
        }
        return (verified + rewritten, rewritten)
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
