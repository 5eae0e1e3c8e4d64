/// Where a vhost port's queues go once its guest's memory turns out to be on a known node: a pure
/// function of the placement, so the NUMA move is tested without a two-node machine.
extension Placement {
    /// A port's move to `node`: the placement that leaves its queues unpolled while its rx
    /// mbufs change node (`interim`; nil when nothing moves), and the one that polls them there.
    public struct Homing: Equatable, Sendable {
        public var interim: Placement?
        public var final: Placement
        /// The workers (indices into `workers`) polling the port's queues in `final`, by queue.
        public var workers: [Int]
        /// `node` has no worker: the port stays where it is, polled cross-node.
        public var noLocalWorker: Bool
    }

    /// The port's `queues` rx queues marked as on `node`, and polled from workers on `node` (the
    /// least loaded first) unless they already are and the rx mbufs come from `node`
    /// (`mbufsOnNode`), or `node` has no worker.
    public func homing(port: Int, queues: Int, toNode node: Int, mbufsOnNode: Bool) -> Homing {
        let local = workers.indices.filter { workers[$0].node == node }
        let mine = assignments.filter { $0.queue.port == port }
        let settled = mine.allSatisfy { workers[$0.worker].node == node } && mbufsOnNode
        var moved = self
        moved.assignments = assignments.map { assignment in
            var updated = assignment
            if assignment.queue.port == port {
                updated.queue.node = node
                updated.crossNode = workers[assignment.worker].node != node
            }
            return updated
        }
        if settled || local.isEmpty {
            return Homing(interim: nil, final: moved, workers: mine.map(\.worker), noLocalWorker: local.isEmpty)
        }
        var without = moved
        without.assignments.removeAll { $0.queue.port == port }
        var targets: [Int] = []
        var load = local.map { worker in without.assignments.filter { $0.worker == worker }.count }
        for queue in 0..<queues {
            let slot = load.indices.min { load[$0] < load[$1] }!
            load[slot] += 1
            targets.append(local[slot])
            let index = moved.assignments.firstIndex { $0.queue.port == port && $0.queue.queue == queue }!
            moved.assignments[index].worker = local[slot]
            moved.assignments[index].crossNode = false
        }
        return Homing(interim: without, final: moved, workers: targets, noLocalWorker: false)
    }
}
