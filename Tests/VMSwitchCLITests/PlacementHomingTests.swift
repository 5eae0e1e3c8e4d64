import Dataplane
import Testing

/// A vhost port moving to its guest's node (`Placement.homing`).
@Suite struct PlacementHomingTests {
    /// Workers: lcore 1 on node 0, lcores 2 and 3 on node 1. The uplink (port 0) is on node 1, so
    /// lcore 2 polls it; the VM's two queues (port 1) were placed on node 0, both on lcore 1.
    static let placement = Placement(
        workers: [Placement.Worker(lcore: 1, node: 0), Placement.Worker(lcore: 2, node: 1), Placement.Worker(lcore: 3, node: 1)],
        queues: [Placement.Queue(port: 0, queue: 0, node: 1), Placement.Queue(port: 1, queue: 0, node: 0),
                 Placement.Queue(port: 1, queue: 1, node: 0)],
        portNames: ["uplink", "vm"])

    @Test func aGuestOnTheOtherNodeTakesItsQueuesToItsLeastLoadedWorkersThroughAnUnpolledStep() throws {
        let start = PlacementHomingTests.placement
        #expect(start.assignments.map(\.worker) == [1, 0, 0])
        let homing = start.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: false)
        let interim = try #require(homing.interim)
        #expect(interim.assignments.map(\.queue.port) == [0])
        // Queue 0 to the idle lcore 3; queue 1 then to the first of two equally loaded ones.
        #expect(homing.workers == [2, 1])
        let vm = homing.final.assignments.filter { $0.queue.port == 1 }
        #expect(vm.map(\.queue.queue) == [0, 1] && vm.map(\.worker) == [2, 1])
        #expect(vm.allSatisfy { !$0.crossNode && $0.queue.node == 1 })
        #expect(homing.final.assignments[0] == start.assignments[0])
        #expect(!homing.noLocalWorker)
    }

    @Test func queuesAlreadyOnTheNodeWithItsMbufsStayWithTheirWorkers() {
        let there = PlacementHomingTests.placement.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: false).final
        let again = there.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: true)
        #expect(again.interim == nil && again.final == there && again.workers == [2, 1])
        // The same workers but mbufs from the other node: the queues leave (to reconfigure rx).
        #expect(there.homing(port: 1, queues: 2, toNode: 1, mbufsOnNode: false).interim != nil)
    }

    @Test func aNodeWithoutWorkersLeavesTheQueuesWhereTheyAreCrossNode() {
        let homing = PlacementHomingTests.placement.homing(port: 1, queues: 2, toNode: 2, mbufsOnNode: false)
        #expect(homing.interim == nil && homing.noLocalWorker)
        let vm = homing.final.assignments.filter { $0.queue.port == 1 }
        #expect(vm.allSatisfy { $0.crossNode && $0.queue.node == 2 && $0.worker == 0 })
    }
}
