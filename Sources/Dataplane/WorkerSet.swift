#if canImport(Glibc)
import Glibc
#endif
import CDPDK
import Synchronization
import VMSwitchCore

/// The workers as the control side sees them: the state they share (`SharedState`), each one's
/// context and rx list in its node's memory, the TX handoff rings; launching and stopping them,
/// and publishing to them (a new policy, new rx queues), each taken up at a burst boundary.
final class WorkerSet {
    /// What the workers are built from: the switch's ports and how it placed and sized them.
    struct Plan {
        var ports: [SwitchPort]
        var placement: Placement
        var options: Switch.Options
        var txQueuesPerWorker: [Int]
        var handsOff: [Bool]
        var portNodes: [Int?]
        var layout: CounterLayout
    }

    let shared: SharedState
    private(set) var contexts: [UnsafeMutablePointer<WorkerContext>] = []
    /// Per worker: the rx list published to it.
    private var rxLists: [UnsafeMutablePointer<RxList>] = []
    private var rings: [OpaquePointer] = []
    private let memory: NodeMemory
    private let lcores: [Int]
    private let portCount: Int
    private(set) var launched = false

    /// Builds the shared state and each worker's context, in the memory of the worker's node, with
    /// `policy` in force and each port's link as `linkUp` says.
    init(_ plan: Plan, policy: PolicyGeneration, linkUp: [Bool], memory: NodeMemory) throws {
        self.memory = memory
        let (ports, placement, options) = (plan.ports, plan.placement, plan.options)
        lcores = placement.workers.map(\.lcore)
        let workerCount = placement.workers.count
        let portCount = ports.count
        let macMemory = try memory.allocate(UInt8.self, count: MACTable.byteCount(capacity: options.macTableSize), node: -1)
        // Each meter on its own cache line: the queues' workers write them.
        let meterBytes = (cdpdk_police_meter_size() + 63) & ~63
        let meters = try memory.allocate(UInt8.self, count: portCount * SharedState.maxQueues * meterBytes, node: -1)
        let shared = SharedState(
            stop: try memory.allocate(Atomic<Bool>.self, count: 1, node: -1),
            policy: try memory.allocate(Atomic<UInt>.self, count: workerCount, node: -1),
            policyInUse: try memory.allocate(Atomic<UInt>.self, count: workerCount, node: -1),
            rxLists: try memory.allocate(Atomic<UInt>.self, count: workerCount, node: -1),
            rxListInUse: try memory.allocate(Atomic<UInt>.self, count: workerCount, node: -1),
            linkUp: try memory.allocate(Atomic<Bool>.self, count: portCount, node: -1),
            portNode: try memory.allocate(Atomic<Int>.self, count: portCount, node: -1),
            txRings: try memory.allocate(OpaquePointer?.self, count: portCount, node: -1),
            txOwner: try memory.allocate(Int.self, count: portCount, node: -1),
            learned: MACTable(memory: UnsafeMutableRawPointer(macMemory), capacity: options.macTableSize),
            clock: try memory.allocate(Atomic<UInt64>.self, count: 1, node: -1),
            floodMeters: UnsafeMutableRawPointer(meters), floodMeterBytes: meterBytes,
            schedulers: try memory.allocate(OpaquePointer?.self, count: portCount, node: -1),
            classOfTag: try memory.allocate(UInt16.self, count: portCount * 256, node: -1),
            schedulerCountsFrames: try memory.allocate(Bool.self, count: portCount, node: -1))
        self.shared = shared
        self.portCount = portCount
        shared.schedulers.initialize(repeating: nil, count: portCount)  // what `free` reads
        shared.stop.initialize(to: Atomic(false))
        shared.clock.initialize(to: Atomic(0))
        try WorkerSet.initFloodMeters(shared, profiles: policy.workerPolicies[0].pointee.floodProfiles, portCount: portCount,
                                      memory: memory)
        for port in ports {
            (shared.linkUp + port.index).initialize(to: Atomic(linkUp[port.index]))
            (shared.portNode + port.index).initialize(to: Atomic(plan.portNodes[port.index] ?? -1))
            let owner = placement.worker(port: port.index, queue: 0)
            shared.txOwner[port.index] = owner
            shared.txRings[port.index] = nil
            if plan.handsOff[port.index] {
                let node = placement.workers[owner].node
                let name = "vmswitch_tx\(port.index)"
                guard let ring = cdpdk_ring_create(name, UInt32(options.handoffRingSize), Int32(node))
                    ?? cdpdk_ring_create(name, UInt32(options.handoffRingSize), -1) else {
                    free()
                    throw SwitchError("port \(port.spec.name): cannot create its TX handoff ring: "
                                      + String(cString: cdpdk_strerror(cdpdk_errno())))
                }
                rings.append(ring)
                shared.txRings[port.index] = ring
            }
        }
        do {
            try EgressSchedulers.create(shared, ports: ports, placement: placement, mtu: options.mtu)
            for index in 0..<workerCount {
                (shared.policy + index).initialize(to: Atomic(UInt(bitPattern: policy.workerPolicies[index])))
                (shared.policyInUse + index).initialize(to: Atomic(0))
                (shared.rxListInUse + index).initialize(to: Atomic(0))
                let list = try makeRxList(worker: index, placement: placement)
                rxLists.append(list)
                (shared.rxLists + index).initialize(to: Atomic(UInt(bitPattern: list)))
            }
            for index in 0..<workerCount { contexts.append(try makeContext(worker: index, plan: plan)) }
        } catch {
            free()
            throw error
        }
    }

    /// Starts every (port, queue) meter full, on the port's flood-limit profile (or, for a port
    /// without one, on any profile: a reload that adds a limit caps the bucket at its own size).
    private static func initFloodMeters(_ shared: SharedState, profiles: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
                                        portCount: Int, memory: NodeMemory) throws {
        let fallback = try memory.allocate(UInt8.self, count: cdpdk_police_profile_size(), node: -1)
        _ = cdpdk_police_profile_config(fallback, false, 1, 1, 0, 0)
        for port in 0..<portCount {
            for queue in 0..<SharedState.maxQueues {
                _ = cdpdk_police_meter_init(shared.floodMeter(port: port, queue: queue),
                                            profiles[port] ?? UnsafeMutableRawPointer(fallback), false)
            }
        }
    }

    private func makeContext(worker index: Int, plan: Plan) throws -> UnsafeMutablePointer<WorkerContext> {
        let (ports, placement, options, layout) = (plan.ports, plan.placement, plan.options, plan.layout)
        let txQueuesPerWorker = plan.txQueuesPerWorker, handsOff = plan.handsOff
        let node = placement.workers[index].node
        let portCount = ports.count
        let stride = txQueuesPerWorker.max()!
        let dpdkPorts = try memory.allocate(UInt16.self, count: portCount, node: node)
        let txBase = try memory.allocate(UInt16.self, count: portCount, node: node)
        let txCount = try memory.allocate(UInt16.self, count: portCount, node: node)
        var owned: [UInt16] = []
        for port in ports {
            let classes = txQueuesPerWorker[port.index]
            dpdkPorts[port.index] = port.dpdkPort
            txCount[port.index] = UInt16(classes)
            txBase[port.index] = UInt16(handsOff[port.index] ? 0 : index * classes)
            if handsOff[port.index] && shared.txOwner[port.index] == index { owned.append(UInt16(port.index)) }
        }
        let ownedRings = try memory.allocate(UInt16.self, count: owned.count, node: node)
        for (slot, port) in owned.enumerated() { ownedRings[slot] = port }
        let buffers = portCount * stride
        let counterBlock = try memory.allocate(Atomic<UInt64>.self, count: layout.count, node: node)
        for slot in 0..<layout.count { (counterBlock + slot).initialize(to: Atomic(0)) }
        let flowMemory = options.flowCacheSize == 0 ? nil
            : UnsafeMutableRawPointer(try memory.allocate(UInt8.self, count: FlowCache.byteCount(capacity: options.flowCacheSize),
                                                          node: node))
        let context = try memory.allocate(WorkerContext.self, count: 1, node: node)
        context.initialize(to: WorkerContext(
            index: index, node: node, burst: options.burst, portCount: portCount, dpdkPorts: dpdkPorts,
            txQueueBase: txBase, txQueueCount: txCount, txQueueStride: stride,
            txFrames: try memory.allocate(OpaquePointer?.self, count: buffers * options.burst, node: node),
            txDSCP: try memory.allocate(UInt8.self, count: buffers * options.burst, node: node),
            txCount: try memory.allocate(Int.self, count: buffers, node: node),
            rxFrames: try memory.allocate(OpaquePointer?.self, count: options.burst, node: node),
            frames: BurstFrames(memory: UnsafeMutableRawPointer(
                try memory.allocate(UInt8.self, count: BurstFrames.byteCount, node: node))),
            dropFrames: try memory.allocate(OpaquePointer?.self, count: options.burst, node: node),
            floodTargets: try memory.allocate(UInt16.self, count: portCount, node: node),
            ownedRings: ownedRings, ownedRingCount: owned.count,
            ringFrames: try memory.allocate(OpaquePointer?.self, count: options.burst, node: node),
            ringTags: try memory.allocate(UInt32.self, count: options.burst, node: node),
            flows: FlowCache(memory: flowMemory, capacity: options.flowCacheSize),
            rules: RuleCache(memory: UnsafeMutableRawPointer(try memory.allocate(
                UInt8.self, count: RuleCache.byteCount(capacity: RuleCache.defaultCapacity), node: node)),
                capacity: RuleCache.defaultCapacity),
            recent: RecentMACs(memory: UnsafeMutableRawPointer(try memory.allocate(
                UInt8.self, count: RecentMACs.byteCount(capacity: RecentMACs.defaultCapacity), node: node)),
                capacity: RecentMACs.defaultCapacity),
            auditCounters: options.auditCounters,
            counters: Counters(base: counterBlock), layout: layout, shared: shared))
        return context
    }

    /// A new rx list for `worker` from `placement`, in the worker's node memory.
    private func makeRxList(worker index: Int, placement: Placement) throws -> UnsafeMutablePointer<RxList> {
        let node = placement.workers[index].node
        let mine = placement.assignments.filter { $0.worker == index }
        let queues = try memory.allocate(RxQueueRef.self, count: mine.count, node: node)
        for (slot, assignment) in mine.enumerated() {
            queues[slot] = RxQueueRef(port: UInt16(assignment.queue.port), queue: UInt16(assignment.queue.queue),
                                      crossNode: assignment.crossNode)
        }
        let list = try memory.allocate(RxList.self, count: 1, node: node)
        list.initialize(to: RxList(count: mine.count, queues: queues))
        return list
    }

    /// Gives every worker whose queues differ in `newPlacement` from `old` a new rx list and, once
    /// the workers run, waits until each has taken it up (at its next burst boundary), then frees
    /// the lists they left. Returns false if a worker did not take its list up within 2 s (then
    /// every list replaced is kept, since one may still be in use).
    func publish(_ newPlacement: Placement, replacing old: Placement) throws -> Bool {
        var replaced: [(worker: Int, list: UnsafeMutablePointer<RxList>)] = []
        for index in newPlacement.workers.indices {
            let before = old.assignments.filter { $0.worker == index }
            let after = newPlacement.assignments.filter { $0.worker == index }
            guard before != after else { continue }
            let list = try makeRxList(worker: index, placement: newPlacement)
            replaced.append((index, rxLists[index]))
            rxLists[index] = list
            shared.rxLists[index].store(UInt(bitPattern: list), ordering: .releasing)
        }
        guard launched else { return true }
        var waited = 0
        for (index, _) in replaced {
            let wanted = UInt(bitPattern: rxLists[index])
            while shared.rxListInUse[index].load(ordering: .acquiring) != wanted && waited < 2000 {
                usleep(1000)
                waited += 1
            }
        }
        guard waited < 2000 else { return false }
        for (_, list) in replaced {
            memory.free(UnsafeMutableRawPointer(list.pointee.queues))
            memory.free(UnsafeMutableRawPointer(list))
        }
        return true
    }

    /// Starts every worker on its lcore.
    func launch() {
        for (index, lcore) in lcores.enumerated() {
            _ = cdpdk_launch(workerEntry, UnsafeMutableRawPointer(contexts[index]), UInt32(lcore))
        }
        launched = true
    }

    /// Stops the workers: each finishes the burst in hand and sends what it produced.
    func stop() {
        guard launched else { return }
        shared.stop.pointee.store(true, ordering: .relaxed)
        for lcore in lcores { _ = cdpdk_wait_lcore(UInt32(lcore)) }
        launched = false
    }

    /// Publishes `next` to every worker, which switches at its next burst boundary.
    func offer(_ next: PolicyGeneration) {
        for (index, view) in next.workerPolicies.enumerated() {
            shared.policy[index].store(UInt(bitPattern: view), ordering: .releasing)
        }
    }

    /// Waits up to 1 s until no worker uses a policy older than `next` (offered before). Returns
    /// false if one still did (the caller must then keep the old policy's memory).
    func awaitTakeUp(_ next: PolicyGeneration) -> Bool {
        var waited = 0
        while waited < 5000 && next.workerPolicies.indices.contains(where: { index in
            let using = shared.policyInUse[index].load(ordering: .acquiring)
            return using != 0 && using != UInt(bitPattern: next.workerPolicies[index])
        }) {
            usleep(200)
            waited += 1
        }
        return waited < 5000
    }

    /// Counter `index` of `CounterLayout`, summed over the workers.
    func sum(_ index: Int) -> UInt64 {
        contexts.reduce(0) { $0 + $1.pointee.counters.read(index) }
    }

    /// Frees what is not in `memory` (the rings and schedulers), once the workers have stopped.
    func free() {
        EgressSchedulers.free(shared, portCount: portCount)
        rings.forEach { cdpdk_ring_free($0) }
        rings.removeAll()
    }
}
