import CDPDK
import Synchronization
import VMSwitchCore

/// The running switch, seen from the control side: it sets up EAL, ports, pools and policy,
/// launches the workers, watches links, reads counters, and takes everything down again. After
/// launch it never writes a worker's state: it publishes through `SharedState`.
public final class Switch: @unchecked Sendable {
    public struct Options: Sendable, Equatable {
        public var burst = 32
        public var rxDescriptors = 1024
        public var txDescriptors = 1024
        /// Mbufs per NUMA node's pool; nil: sized from the ports and queues.
        public var mbufsPerPool: Int?
        public var poolCache = 256
        public var macTableSize = 65536
        public var mtu: Int?
        /// The worker lcores to use (`workers:`); nil: every EAL lcore but the main one.
        public var workerLcores: [Int]?
        /// Frames a TX handoff ring holds.
        public var handoffRingSize = 4096
        /// Flow-cache entries per worker (a power of two; 0 disables the cache).
        public var flowCacheSize = 16384
        /// Per-rule and per-port (received -> assigned DSCP) counters; off keeps the totals only.
        public var auditCounters = true

        public init() {}
    }

    /// The policy in force (replaced by `apply`).
    public internal(set) var policy: SwitchPolicy
    public let options: Options
    public var log: (String) -> Void = { print($0) }
    /// Which worker polls which rx queue, as it is now (vhost ports move to their guest's node).
    public internal(set) var placement: Placement?

    var ports: [SwitchPort] = []
    /// Per port: the NUMA node it is on as far as known now.
    var portNodes: [Int?] = []
    /// Per port and rx queue: the node of the pool its mbufs come from.
    var rxPoolNodes: [[Int]] = []
    var pools: [Int: OpaquePointer] = [:]
    var generation: PolicyGeneration?
    /// Serialises the control side: the run loop, telemetry requests and reloads.
    let controlLock = Mutex<Void>(())
    /// Reloads asked for over telemetry, for the run loop to do.
    public let reloads = ReloadMailbox()
    /// Per physical port with `offload: auto`: each rule's status ("hardware", "software: why").
    public internal(set) var offloadStatus: [String: [String]] = [:]
    /// The configuration file the policy came from, for reports.
    public var configurationFile: String?
    public var policyVersion: UInt64 { controlLock.withLock { _ in generation?.version ?? 0 } }
    let memory = NodeMemory()
    /// The workers, once built.
    var workers: WorkerSet?
    var shared: SharedState? { workers?.shared }
    /// The learned-MAC table's clock, aging and listing (once the workers are built).
    public internal(set) var learnedMACs: LearnedMACs?
    var layout: CounterLayout
    var linkState: [Bool] = []
    private var ealStarted = false
    private var ealArguments: [UnsafeMutablePointer<CChar>?] = []
    private var captureReady = false
    var launched: Bool { workers?.launched ?? false }
    private var startTSC: UInt64 = 0

    var elapsedSeconds: Double {
        startTSC == 0 ? 0 : Double(cdpdk_tsc() - startTSC) / Double(cdpdk_tsc_hz())
    }

    public init(policy: SwitchPolicy, options: Options = Options()) {
        self.policy = policy
        self.options = options
        layout = CounterLayout(portCount: policy.ports.count)
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
            for node in memory.fallbackNodes.sorted() {
                log("warning: no hugepage memory left on node \(node): its workers' state lives on another node")
            }
            offloadStatus = HardwareOffload.install(policy, on: ports, log: log)
            watchLinks()
            if cdpdk_capture_init() != 0 { log("warning: packet capture (dpdk-dumpcap) is unavailable") }
            captureReady = true
            launchWorkers()
        } catch {
            shutdown()
            throw error
        }
    }

    private func startEAL(_ arguments: [String]) throws {
        // EAL keeps pointers into argv (and rewrites its entries), so the strings live until
        // rte_eal_cleanup; `ealArguments` keeps the originals to free then.
        ealArguments = arguments.map { strdup($0) }
        var argv = ealArguments
        let consumed = cdpdk_eal_init(Int32(argv.count), &argv)
        guard consumed >= 0 else {
            throw SwitchError("DPDK EAL initialisation failed: \(String(cString: cdpdk_strerror(cdpdk_errno())))")
        }
        ealStarted = true
    }

    private func attachPorts() throws {
        for (index, spec) in policy.ports.enumerated() {
            let port = try SwitchPort.attach(spec, index: index)
            ports.append(port)
            // A vhost port's node is its guest's, known once the guest connects.
            portNodes.append(spec.numa ?? (port.isVhost ? nil : (port.deviceNode >= 0 ? port.deviceNode : nil)))
        }
    }

    private func workerLcores() throws -> [Placement.Worker] {
        var workers: [Placement.Worker] = []
        var lcore = cdpdk_next_worker_lcore(UInt32.max)
        while lcore < cdpdk_max_lcore() {
            workers.append(Placement.Worker(lcore: Int(lcore), node: Int(cdpdk_lcore_socket(lcore))))
            lcore = cdpdk_next_worker_lcore(lcore)
        }
        if let pinned = options.workerLcores {
            for wanted in pinned where !workers.contains(where: { $0.lcore == wanted }) {
                throw SwitchError("workers: lcore \(wanted) is not an EAL worker lcore (EAL worker lcores: "
                                  + workers.map { "\($0.lcore)" }.joined(separator: ",") + ")")
            }
            workers = workers.filter { pinned.contains($0.lcore) }
        }
        guard !workers.isEmpty else {
            throw SwitchError("no worker lcore: give EAL at least two lcores (e.g. -l 0,1), one for control")
        }
        return workers
    }

    private func placeWorkers() throws {
        let queues = ports.flatMap { port in
            (0..<port.spec.queues).map { Placement.Queue(port: port.index, queue: $0, node: portNodes[port.index]) }
        }
        let placement = Placement(workers: try workerLcores(), queues: queues, portNames: policy.ports.map(\.name))
        placement.warnings.forEach { log("warning: \($0)") }
        self.placement = placement
    }

    /// Per port: TX queues each worker needs (one, or one per `paths` queue number used), fixed at start.
    lazy var txQueuesPerWorker: [Int] = ReloadScope.txQueuesPerWorker(policy)

    /// Per port: whether workers hand frames to an owner through a ring, because the port has
    /// fewer TX queues than workers need, or because its owner shapes its output (`egress:`).
    lazy var handsOff: [Bool] = ports.map { port in
        port.spec.egress != nil || (placement?.workers.count ?? 1) * txQueuesPerWorker[port.index] > port.maxTxQueues
    }

    private func createPools() throws {
        guard let placement else { return }
        let sizing = MbufPools.Sizing(ports: policy.ports, options: options, workers: placement.workers.count,
                                      txQueuesPerWorker: txQueuesPerWorker, handsOff: handsOff)
        if let refusal = sizing.refusal { throw SwitchError(refusal) }
        if options.burst < 1 || options.burst > BurstFrames.capacity {
            throw SwitchError("dataplane: burst \(options.burst) is outside 1...\(BurstFrames.capacity)")
        }
        if options.burst > options.rxDescriptors {
            throw SwitchError("dataplane: burst \(options.burst) exceeds rx-descriptors \(options.rxDescriptors)")
        }
        pools = try MbufPools.create(nodes: Set(placement.workers.map(\.node)).sorted(), sizing: sizing, log: log)
    }

    private func configurePorts() throws {
        guard let placement else { return }
        let workers = placement.workers.count
        for port in ports {
            let nodes = (0..<port.spec.queues).map { queue in
                placement.workers[placement.worker(port: port.index, queue: queue)].node
            }
            rxPoolNodes.append(nodes)
            let classes = txQueuesPerWorker[port.index]
            let txQueues = handsOff[port.index] ? classes : workers * classes
            guard txQueues <= port.maxTxQueues else {
                throw SwitchError("port \(port.spec.name): paths use \(classes) TX queues, the port has \(port.maxTxQueues)")
            }
            try port.configure(txQueues: txQueues, rxPools: nodes.map { pools[$0] ?? pools.values.first },
                               descriptors: (options.rxDescriptors, options.txDescriptors), mtu: options.mtu)
            try port.secureSocket()
        }
        for port in ports { try port.start() }
    }

    private func compilePolicy() throws {
        guard let placement else { return }
        generation = try PolicyGeneration(policy: policy, version: 1, workers: placement.workers)
    }

    private func buildWorkers() throws {
        guard let placement, let generation else { return }
        linkState = ports.map(\.linkUp)
        let plan = WorkerSet.Plan(ports: ports, placement: placement, options: options, txQueuesPerWorker: txQueuesPerWorker,
                                  handsOff: handsOff, portNodes: portNodes, layout: layout)
        let built = try WorkerSet(plan, policy: generation, linkUp: linkState, memory: memory)
        workers = built
        learnedMACs = LearnedMACs(table: built.shared.learned, clock: built.shared.clock)
    }

    private func launchWorkers() {
        startTSC = cdpdk_tsc()
        workers?.launch()
    }

    /// Stops the workers (they finish the burst in hand and send what it produced), stops and
    /// closes every port (pcap outputs are complete after this), and returns the final counters.
    @discardableResult
    public func stop() -> StatsSnapshot? {
        guard launched else {
            shutdown()
            return nil
        }
        workers?.stop()
        let final = snapshot()
        // Under the control lock: a telemetry request in flight waits, then finds nothing to read.
        controlLock.withLock { _ in shutdown() }
        return final
    }

    private func shutdown() {
        workers?.stop()
        if captureReady {
            _ = cdpdk_capture_uninit()
            captureReady = false
        }
        forgetLinks()
        HardwareOffload.remove(ports)
        workers?.free()
        for port in ports { port.stopAndClose() }
        ports.removeAll()
        generation?.release()
        generation = nil
        memory.freeAll()
        workers = nil
        learnedMACs = nil
        for pool in pools.values { cdpdk_mempool_free(pool) }
        pools.removeAll()
        if ealStarted {
            let runtimeDirectory = String(cString: cdpdk_runtime_dir())
            _ = cdpdk_eal_cleanup()
            EALResidue.remove(runtimeDirectory: runtimeDirectory)
            ealStarted = false
        }
        ealArguments.forEach { free($0) }
        ealArguments.removeAll()
    }
}

extension Placement {
    /// The worker polling `queue` of `port`.
    public func worker(port: Int, queue: Int) -> Int {
        assignments.first { $0.queue.port == port && $0.queue.queue == queue }!.worker
    }
}
