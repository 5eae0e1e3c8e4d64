import Dataplane
import Testing

@Suite struct PlacementTests {
    func workers(nodes: Int, coresPerNode: Int, skipping main: Int = 0) -> [Placement.Worker] {
        (0..<nodes * coresPerNode).filter { $0 != main }.map { Placement.Worker(lcore: $0, node: $0 / coresPerNode) }
    }

    @Test func twoNodesEightCoresVMsOnBoth() {
        let queues = [Placement.Queue(port: 0, queue: 0, node: 0), Placement.Queue(port: 1, queue: 0, node: 0),
                      Placement.Queue(port: 2, queue: 0, node: 1), Placement.Queue(port: 3, queue: 0, node: 1),
                      Placement.Queue(port: 3, queue: 1, node: 1)]
        let placement = Placement(workers: workers(nodes: 2, coresPerNode: 8), queues: queues,
                                  portNames: ["uplink", "vm1", "vm2", "vm3"])
        for assignment in placement.assignments {
            #expect(placement.workers[assignment.worker].node == assignment.queue.node)
            #expect(!assignment.crossNode)
        }
        // Spread: no worker polls two queues while others on its node idle.
        let lcores = placement.assignments.map { placement.workers[$0.worker].lcore }
        #expect(Set(lcores).count == queues.count)
        #expect(placement.warnings.isEmpty)
    }

    @Test func aNodeWithNoFreeCoreIsServedCrossNodeWithAWarning() {
        let onlyNode0 = [Placement.Worker(lcore: 1, node: 0), Placement.Worker(lcore: 2, node: 0)]
        let queues = [Placement.Queue(port: 0, queue: 0, node: 0), Placement.Queue(port: 1, queue: 0, node: 1)]
        let placement = Placement(workers: onlyNode0, queues: queues, portNames: ["vm0", "vm1"])
        #expect(placement.assignments[1].crossNode && !placement.assignments[0].crossNode)
        #expect(placement.warnings.count == 1 && placement.warnings[0].contains("vm1"))
        #expect(placement.assignments[0].worker != placement.assignments[1].worker)
    }

    @Test func morePortsThanCoresBalance() {
        let queues = (0..<7).map { Placement.Queue(port: $0, queue: 0, node: 0) }
        let placement = Placement(workers: workers(nodes: 1, coresPerNode: 4), queues: queues,
                                  portNames: (0..<7).map { "p\($0)" })
        let loads = placement.workers.indices.map { placement.queues(ofWorker: $0).count }
        #expect(loads.reduce(0, +) == 7 && loads.max()! - loads.min()! <= 1)
    }

    @Test func oneCoreInAll() {
        let queues = [Placement.Queue(port: 0, queue: 0, node: nil), Placement.Queue(port: 1, queue: 0, node: 0)]
        let placement = Placement(workers: [Placement.Worker(lcore: 0, node: 0)], queues: queues, portNames: ["a", "b"])
        #expect(placement.assignments.allSatisfy { $0.worker == 0 && !$0.crossNode })
        #expect(placement.report(portNames: ["a", "b"]) == ["lcore 0 (node 0): a q0 [node ?], b q0 [node 0]"])
    }

    @Test func unknownNodeGoesAnywhere() {
        let queues = [Placement.Queue(port: 0, queue: 0, node: nil), Placement.Queue(port: 1, queue: 0, node: nil)]
        let placement = Placement(workers: workers(nodes: 2, coresPerNode: 2, skipping: 0), queues: queues,
                                  portNames: ["a", "b"])
        #expect(placement.assignments.allSatisfy { !$0.crossNode })
        #expect(placement.assignments[0].worker != placement.assignments[1].worker)
    }
}
