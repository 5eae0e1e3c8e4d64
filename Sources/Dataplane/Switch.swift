import CDPDK
import Synchronization
import VMSwitchCore

/// The running switch, seen from the control side: it sets up EAL, ports, pools and policy,
/// launches the workers, watches links, reads counters, and takes everything down again. It
/// never writes a worker's state after launch; it publishes through `SharedState`.
public final class Switch {
    public struct Options: Sendable {
        public var burst = 32
        public var rxDescriptors = 1024
        public var txDescriptors = 1024
        /// Mbufs per NUMA node's pool; nil: sized from the ports and queues.
        public var mbufsPerPool: Int?
        public var poolCache = 256
        public var macTableSize = 65536
        public var mtu: Int?

        public init() {}
    }

    public let policy: SwitchPolicy
    public let options: Options
    private(set) public var placement: Placement?
    private var ports: [SwitchPort] = []
    private var pools: [Int: OpaquePointer] = [:]
    private var compiled: [Int: CompiledPolicy] = [:]
    private let memory = NodeMemory()
    private var shared: SharedState?
    private var contexts: [UnsafeMutablePointer<WorkerContext>] = []
    private var layout: CounterLayout
    private var ealStarted = false
    private var launched = false
    private var startTSC: UInt64 = 0
    private var linkState: [Bool] = []
    public var log: (String) -> Void = { print($0) }

    public init(policy: SwitchPolicy, options: Options = Options()) {
        self.policy = policy
        self.options = options
        layout = CounterLayout(portCount: policy.ports.count, ruleCount: policy.rules.count)
    }

    /// Starts EAL with `ealArguments` (argv[0] first), the ports, and the workers. On failure,
    /// everything started so far is taken down again before the error is thrown.
    public func start(ealArguments: [String]) throws {
        do {
            try startEAL(ealArguments)
            try attachPorts()
            try placeWorkers()
            try createPools()
            try configurePorts()
            try compilePolicy()
            try buildWorkers()
            launchWorkers()
        } catch {
            shutdown()
            throw error
        }
    }

    private func startEAL(_ arguments: [String]) throws {
        var argv = arguments.map { strdup($0) }
        let consumed = cdpdk_eal_init(Int32(argv.count), &argv)
        guard consumed >= 0 else {
            throw SwitchError("DPDK EAL initialisation failed: \(String(cString: cdpdk_strerror(cdpdk_errno())))")
        }
        ealStarted = true
    }

    private func attachPorts() throws {
        for (index, spec) in policy.ports.enumerated() {
            ports.append(try SwitchPort.attach(spec, index: index))
        }
    }

    private func workerLcores() -> [Placement.Worker] {
        var workers: [Placement.Worker] = []
        var lcore = cdpdk_next_worker_lcore(UInt32.max)
        while lcore < cdpdk_max_lcore() {
            workers.append(Placement.Worker(lcore: Int(lcore), node: Int(cdpdk_lcore_socket(lcore))))
            lcore = cdpdk_next_worker_lcore(lcore)
        }
        return workers
    }

    private func placeWorkers() throws {
        let workers = workerLcores()
        guard !workers.isEmpty else {
            throw SwitchError("no worker lcore: give EAL at least two lcores (e.g. -l 0,1), one for control")
        }
        let queues = ports.flatMap { port in
            (0..<port.spec.queues).map { Placement.Queue(port: port.index, queue: $0, node: port.node) }
        }
        let placement = Placement(workers: workers, queues: queues, portNames: policy.ports.map(\.name))
        placement.warnings.forEach { log("warning: \($0)") }
        self.placement = placement
    }

    /// Mbufs each pool needs: every rx and tx descriptor of every port, plus each worker's cache
    /// and in-flight bursts, with headroom.
    private var mbufsPerPool: Int {
        if let configured = options.mbufsPerPool { return configured }
        let workers = placement?.workers.count ?? 1
        let rx = ports.reduce(0) { $0 + $1.spec.queues * options.rxDescriptors }
        let tx = ports.count * workers * txQueuesPerWorker.max()! * options.txDescriptors
        let perWorker = options.poolCache * 3 / 2 + options.burst * (ports.count * txQueuesPerWorker.max()! + 2)
        var count = 2048
        while count - 1 < rx + tx + workers * perWorker + 1024 { count *= 2 }
        return count - 1
    }

    /// Per port: TX queues each worker needs (one, or one per `paths` queue number used).
    private lazy var txQueuesPerWorker: [Int] = policy.ports.indices.map { port in
        1 + policy.paths.reduce(0) { highest, path in
            if case .output(port, let queue) = path.action { return max(highest, queue) }
            return highest
        }
    }

    private func createPools() throws {
        guard let placement else { return }
        for node in Set(placement.workers.map(\.node)).sorted() {
            let name = "vmswitch_node\(node)"
            guard let pool = cdpdk_pktmbuf_pool_create(name, UInt32(mbufsPerPool), UInt32(options.poolCache),
                                                       UInt16(2048 + 128), Int32(node)) else {
                throw SwitchError("cannot create the mbuf pool on node \(node) (\(mbufsPerPool) mbufs): "
                                  + String(cString: cdpdk_strerror(cdpdk_errno())))
            }
            pools[node] = pool
        }
    }

    private func configurePorts() throws {
        guard let placement else { return }
        let workers = placement.workers.count
        for port in ports {
            let rxPools: [OpaquePointer?] = (0..<port.spec.queues).map { queue in
                let assignment = placement.assignments.first { $0.queue.port == port.index && $0.queue.queue == queue }!
                return pools[placement.workers[assignment.worker].node]
            }
            try port.configure(txQueues: workers * txQueuesPerWorker[port.index], rxPools: rxPools,
                               descriptors: (options.rxDescriptors, options.txDescriptors), mtu: options.mtu)
        }
        for port in ports { try port.start() }
    }

    private func compilePolicy() throws {
        guard let placement else { return }
        for node in Set(placement.workers.map(\.node)) {
            compiled[node] = try CompiledPolicy(policy, version: 1, allocator: NodeMemory.tableAllocator(node: node))
        }
    }

    private func buildWorkers() throws {
        guard let placement else { return }
        let workerCount = placement.workers.count
        let portCount = ports.count
        let macMemory = try memory.allocate(UInt64.self, count: options.macTableSize, node: -1)
        let shared = SharedState(
            stop: try memory.allocate(Atomic<Bool>.self, count: 1, node: -1),
            policy: try memory.allocate(Atomic<UInt>.self, count: workerCount, node: -1),
            policyInUse: try memory.allocate(Atomic<UInt>.self, count: workerCount, node: -1),
            linkUp: try memory.allocate(Atomic<Bool>.self, count: portCount, node: -1),
            learned: MACTable(memory: UnsafeMutableRawPointer(macMemory), capacity: options.macTableSize))
        shared.stop.initialize(to: Atomic(false))
        linkState = ports.map(\.linkUp)
        for port in 0..<portCount { (shared.linkUp + port).initialize(to: Atomic(linkState[port])) }
        let stride = txQueuesPerWorker.max()!
        for (index, worker) in placement.workers.enumerated() {
            let node = worker.node
            (shared.policy + index).initialize(to: Atomic(UInt(bitPattern: compiled[node]!.image)))
            (shared.policyInUse + index).initialize(to: Atomic(0))
            let queues = placement.queues(ofWorker: index)
            let rxQueues = try memory.allocate(RxQueueRef.self, count: queues.count, node: node)
            for (slot, queue) in queues.enumerated() {
                rxQueues[slot] = RxQueueRef(port: UInt16(queue.port), queue: UInt16(queue.queue))
            }
            let dpdkPorts = try memory.allocate(UInt16.self, count: portCount, node: node)
            let txBase = try memory.allocate(UInt16.self, count: portCount, node: node)
            let txCount = try memory.allocate(UInt16.self, count: portCount, node: node)
            for port in ports {
                dpdkPorts[port.index] = port.dpdkPort
                txCount[port.index] = UInt16(txQueuesPerWorker[port.index])
                txBase[port.index] = UInt16(index * txQueuesPerWorker[port.index])
            }
            let buffers = portCount * stride
            let counterBlock = try memory.allocate(Atomic<UInt64>.self, count: layout.count, node: node)
            for slot in 0..<layout.count { (counterBlock + slot).initialize(to: Atomic(0)) }
            let context = try memory.allocate(WorkerContext.self, count: 1, node: node)
            context.initialize(to: WorkerContext(
                index: index, burst: options.burst, portCount: portCount,
                rxQueues: rxQueues, rxQueueCount: queues.count, dpdkPorts: dpdkPorts,
                txQueueBase: txBase, txQueueCount: txCount, txQueueStride: stride,
                txFrames: try memory.allocate(OpaquePointer?.self, count: buffers * options.burst, node: node),
                txDSCP: try memory.allocate(UInt8.self, count: buffers * options.burst, node: node),
                txCount: try memory.allocate(Int.self, count: buffers, node: node),
                rxFrames: try memory.allocate(OpaquePointer?.self, count: options.burst, node: node),
                dropFrames: try memory.allocate(OpaquePointer?.self, count: options.burst, node: node),
                floodTargets: try memory.allocate(UInt16.self, count: portCount, node: node),
                counters: Counters(base: counterBlock), layout: layout, shared: shared))
            contexts.append(context)
        }
        self.shared = shared
    }

    private func launchWorkers() {
        guard let placement else { return }
        startTSC = cdpdk_tsc()
        for (index, worker) in placement.workers.enumerated() {
            _ = cdpdk_launch(workerEntry, UnsafeMutableRawPointer(contexts[index]), UInt32(worker.lcore))
        }
        launched = true
    }

    /// Re-reads every port's link state and publishes changes to the workers.
    public func pollLinks() {
        guard let shared else { return }
        for port in ports {
            let up = port.linkUp
            if up != linkState[port.index] {
                linkState[port.index] = up
                shared.linkUp[port.index].store(up, ordering: .relaxed)
                log("port \(port.spec.name): link \(up ? "up" : "down")")
            }
        }
    }

    /// Stops the workers (they finish the burst in hand and send what it produced), stops and
    /// closes every port (pcap outputs are complete after this), and returns the final counters.
    @discardableResult
    public func stop() -> StatsSnapshot? {
        guard launched, let shared, let placement else {
            shutdown()
            return nil
        }
        shared.stop.pointee.store(true, ordering: .relaxed)
        for worker in placement.workers { _ = cdpdk_wait_lcore(UInt32(worker.lcore)) }
        launched = false
        let final = snapshot()
        shutdown()
        return final
    }

    private func shutdown() {
        if launched, let shared, let placement {
            shared.stop.pointee.store(true, ordering: .relaxed)
            for worker in placement.workers { _ = cdpdk_wait_lcore(UInt32(worker.lcore)) }
            launched = false
        }
        for port in ports { port.stopAndClose() }
        ports.removeAll()
        compiled.removeAll()
        memory.freeAll()
        shared = nil
        contexts.removeAll()
        for pool in pools.values { cdpdk_mempool_free(pool) }
        pools.removeAll()
        if ealStarted {
            let runtimeDirectory = String(cString: cdpdk_runtime_dir())
            _ = cdpdk_eal_cleanup()
            EALResidue.remove(runtimeDirectory: runtimeDirectory)
            ealStarted = false
        }
    }

    /// Frames received on every port so far: cheap enough to poll for idleness.
    public func totalReceived() -> UInt64 {
        ports.reduce(0) { total, port in
            contexts.reduce(total) { $0 + $1.pointee.counters.read(layout.port(port.index, .rx)) }
        }
    }

    /// The counters now, summed over workers, with DPDK's own per-port figures.
    public func snapshot() -> StatsSnapshot {
        func sum(_ index: Int) -> UInt64 {
            contexts.reduce(0) { $0 + $1.pointee.counters.read(index) }
        }
        var portStats: [String: StatsSnapshot.Port] = [:]
        for port in ports {
            var drops: [String: UInt64] = [:]
            for reason in DropReason.allCases where reason != .none {
                drops[reason.name] = sum(layout.drop(port.index, reason))
            }
            var dpdk = cdpdk_port_stats()
            _ = cdpdk_port_stats(port.dpdkPort, &dpdk)
            let firstQueue = placement?.assignments.first { $0.queue.port == port.index }
            portStats[port.spec.name] = StatsSnapshot.Port(
                rx: sum(layout.port(port.index, .rx)), tx: sum(layout.port(port.index, .tx)),
                dropped: drops.values.reduce(0, +), drops: drops,
                link: linkState.indices.contains(port.index) && linkState[port.index] ? "up" : "down",
                numa: port.node, lcore: firstQueue.map { placement!.workers[$0.worker].lcore },
                rxMissed: dpdk.imissed, rxNoMbuf: dpdk.rx_nombuf,
                dscpIn: (0..<64).map { sum(layout.dscpIn(port.index, UInt8($0))) },
                dscpOut: (0..<64).map { sum(layout.dscpOut(port.index, UInt8($0))) })
        }
        var rules: [String: StatsSnapshot.Rule] = [:]
        let ruleNames = policy.rules.map(\.name) + ["default"]
        for (index, name) in ruleNames.enumerated() {
            let rule = index < policy.rules.count ? policy.rules[index] : nil
            rules[name] = StatsSnapshot.Rule(
                matched: sum(layout.ruleMatched(index)), verified: sum(layout.ruleVerified(index)),
                rewritten: sum(layout.ruleRewritten(index)),
                dscp: (rule?.assignment ?? policy.defaultAssignment).description,
                mode: (rule?.mode ?? policy.defaultMode).rawValue)
        }
        var poolStats: [String: StatsSnapshot.Pool] = [:]
        for (node, pool) in pools {
            poolStats["node\(node)"] = StatsSnapshot.Pool(size: Int(cdpdk_mempool_size(pool)),
                                                           inUse: Int(cdpdk_mempool_in_use(pool)))
        }
        let elapsed = startTSC == 0 ? 0 : Double(cdpdk_tsc() - startTSC) / Double(cdpdk_tsc_hz())
        return StatsSnapshot(
            ports: portStats,
            qos: StatsSnapshot.QoS(verified: sum(layout.global(.verified)), rewritten: sum(layout.global(.rewritten)),
                                   monitored: sum(layout.global(.monitored)), malformed: sum(layout.global(.malformed)),
                                   nonIP: sum(layout.global(.nonIP))),
            rules: rules,
            mac: StatsSnapshot.MAC(learned: shared?.learned.entries().count ?? 0,
                                   tableFull: sum(layout.global(.macTableFull)),
                                   spoofedSource: sum(layout.global(.spoofedSource))),
            pools: poolStats, policyVersion: 1, seconds: elapsed,
            portOrder: policy.ports.map(\.name), ruleOrder: ruleNames)
    }
}
