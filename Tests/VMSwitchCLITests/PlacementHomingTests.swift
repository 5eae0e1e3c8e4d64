import Dataplane
import Testing

/// A vhost port moving to its guest's node (`Placement.homing`).
@Suite struct PlacementHomingTests {
    /// Workers: lcore 1 on node 0, lcores 2 and 3 on node 1. The uplink (port 0) is on node 0; the
    /// VM's two queues (port 1) were placed before its node was known.
    static let placement = Placement(
        workers: [Placement.Worker(lcore: 1, node: 0), Placement.Worker(lcore: 2, node: 1), Placement.Worker(lcore: 3, node: 1)],
        queues: [Placement.Queue(port: 0, queue: 0, node: 0), Placement.Queue(port: 1, queue: 0, node: nil),
                 Placement.Queue(port: 1, queue: 1, node: nil)],
        portNames: ["uplink", "vm"])

    @Test func aGuestOnTheOtherNodeTakesItsQueuesThereThroughAnUnpolledStep() throws {
        let start = PlacementHomingTests.placement
        let homing = start.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: false)
        let interim = try #require(homing.interim)
        #expect(interim.assignments.map(\.queue.port) == [0])
        #expect(homing.workers.sorted() == [1, 2])
        let vm = homing.final.assignments.filter { $0.queue.port == 1 }
        #expect(vm.map(\.queue.queue) == [0, 1])
        #expect(vm.allSatisfy { homing.final.workers[$0.worker].node == 1 && !$0.crossNode && $0.queue.node == 1 })
        #expect(homing.final.assignments[0] == start.assignments[0])
        #expect(!homing.noLocalWorker)
    }

    @Test func queuesAlreadyOnTheNodeWithItsMbufsStayWithTheirWorkers() {
        let start = PlacementHomingTests.placement
        let there = start.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: false).final
        let again = there.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: true)
        #expect(again.interim == nil && again.final == there)
        // The same workers but mbufs from the other node: the queues move (to reconfigure rx).
        #expect(there.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: false).interim != nil)
    }

    @Test func aNodeWithoutWorkersLeavesTheQueuesCrossNode() {
        let homing = PlacementHomingTests.placement.homing(port: 1, queues: 2, toNode: 2, mbufsOnNode: false)
        #expect(homing.interim == nil && homing.noLocalWorker)
        let vm = homing.final.assignments.filter { $0.queue.port == 1 }
        #expect(vm.allSatisfy { $0.crossNode && $0.queue.node == 2 })
        #expect(vm.map(\.worker) == PlacementHomingTests.placement.assignments.filter { $0.queue.port == 1 }.map(\.worker))
    }
}
