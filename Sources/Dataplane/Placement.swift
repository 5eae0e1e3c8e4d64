/// Which worker lcore polls which (port, rx queue): a pure function of the topology and the ports,
/// so it can be tested on machines we do not have.
public struct Placement: Equatable, Sendable {
    public struct Worker: Equatable, Sendable {
        public var lcore: Int
        public var node: Int

        public init(lcore: Int, node: Int) {
            self.lcore = lcore
            self.node = node
        }
    }

    public struct Queue: Equatable, Sendable {
        public var port: Int
        public var queue: Int
        /// The port's NUMA node, nil when unknown.
        public var node: Int?

        public init(port: Int, queue: Int, node: Int?) {
            self.port = port
            self.queue = queue
            self.node = node
        }
    }

    public struct Assignment: Equatable, Sendable {
        public var queue: Queue
        /// Index into `workers`.
        public var worker: Int
        /// The port is on a node with no worker: polled from another node.
        public var crossNode: Bool
    }

    public var workers: [Worker]
    public var assignments: [Assignment]
    public var warnings: [String]

    /// Each queue goes to the least-loaded worker on its port's node (ties: the lowest lcore). A
    /// queue whose node is unknown may go to any worker; one whose node has no worker goes to the
    /// least-loaded worker anywhere, with a warning, and counts as cross-node.
    public init(workers: [Worker], queues: [Queue], portNames: [String]) {
        precondition(!workers.isEmpty, "placement needs at least one worker")
        self.workers = workers
        assignments = []
        warnings = []
        var load = [Int](repeating: 0, count: workers.count)
        func leastLoaded(_ candidates: [Int]) -> Int {
            candidates.min { (load[$0], workers[$0].lcore) < (load[$1], workers[$1].lcore) }!
        }
        var warnedNodes: Set<Int> = []
        for queue in queues {
            let local = workers.indices.filter { queue.node == nil || workers[$0].node == queue.node }
            let crossNode = local.isEmpty
            let chosen = leastLoaded(crossNode ? Array(workers.indices) : local)
            if crossNode, let node = queue.node, !warnedNodes.contains(node) {
                warnedNodes.insert(node)
                let name = queue.port < portNames.count ? portNames[queue.port] : "\(queue.port)"
                warnings.append("no worker lcore on NUMA node \(node): port \(name) is polled from node "
                                + "\(workers[chosen].node) (cross-node)")
            }
            load[chosen] += 1
            assignments.append(Assignment(queue: queue, worker: chosen, crossNode: crossNode))
        }
    }

    public func queues(ofWorker index: Int) -> [Queue] {
        assignments.filter { $0.worker == index }.map(\.queue)
    }

    /// One line per worker: `lcore 1 (node 0): vm1 q0, uplink q0`.
    public func report(portNames: [String]) -> [String] {
        workers.indices.map { index in
            let polled = assignments.filter { $0.worker == index }.map { assignment in
                let name = portNames[assignment.queue.port]
                let node = assignment.queue.node.map { "node \($0)" } ?? "node ?"
                return "\(name) q\(assignment.queue.queue) [\(node)\(assignment.crossNode ? ", cross-node" : "")]"
            }
            return "lcore \(workers[index].lcore) (node \(workers[index].node)): "
                + (polled.isEmpty ? "idle" : polled.joined(separator: ", "))
        }
    }
}
