import CDPDK
import Synchronization
import VMSwitchCore

/// Called by DPDK's interrupt thread when a port's link changes: publishes the new state to the
/// workers at once, so frames for a VM that just left are counted as `link_down`, not `tx_full`.
/// `argument` is the port's `linkUp` flag.
let linkChanged: @convention(c) (UInt16, UnsafeMutableRawPointer?) -> Void = { dpdkPort, argument in
    let flag = argument!.assumingMemoryBound(to: Atomic<Bool>.self)
    flag.pointee.store(cdpdk_port_link_up(dpdkPort), ordering: .relaxed)
}

extension Switch {
    func watchLinks() {
        guard let shared else { return }
        for port in ports {
            log("port \(port.spec.name): link \(linkState[port.index] ? "up" : "down")")
            _ = cdpdk_port_on_link_change(port.dpdkPort, linkChanged, UnsafeMutableRawPointer(shared.linkUp + port.index))
        }
    }

    func forgetLinks() {
        guard let shared else { return }
        for port in ports {
            _ = cdpdk_port_forget_link_change(port.dpdkPort, linkChanged,
                                              UnsafeMutableRawPointer(shared.linkUp + port.index))
        }
    }

    /// Re-reads every port's link state, logs changes, and moves a vhost port whose guest just
    /// connected to its guest's NUMA node.
    public func pollLinks() {
        controlLock.withLock { _ in pollLinksLocked() }
    }

    private func pollLinksLocked() {
        guard let shared else { return }
        for port in ports {
            let up = port.linkUp
            shared.linkUp[port.index].store(up, ordering: .relaxed)
            guard up != linkState[port.index] else { continue }
            linkState[port.index] = up
            log("port \(port.spec.name): link \(up ? "up" : "down")")
            if up, let node = port.guestNode {
                if let memory = port.guestMemoryNode, memory != node {
                    log("warning: port \(port.spec.name): the guest's memory is on node \(memory) but the vhost device "
                        + "stayed on node \(node) (no hugepage memory for vmswitch on node \(memory)?): polled from node \(node)")
                }
                follow(port, toNode: node)
            }
        }
    }

    /// A vhost guest's memory is on `node`: poll the port from a worker on that node, with rx mbufs
    /// from that node's pool. The port's queues leave their workers first (and are confirmed gone)
    /// before the port is reconfigured and the queues join their new workers.
    func follow(_ port: SwitchPort, toNode node: Int) {
        guard let placement else { return }
        let name = port.spec.name
        if let configured = port.spec.numa {
            if configured != node { log("port \(name): guest memory is on node \(node), configured numa: \(configured) kept") }
            return
        }
        portNodes[port.index] = node
        shared?.portNode[port.index].store(node, ordering: .relaxed)
        let local = placement.workers.indices.filter { placement.workers[$0].node == node }
        let mine = placement.assignments.filter { $0.queue.port == port.index }
        let settled = mine.allSatisfy { placement.workers[$0.worker].node == node }
            && rxPoolNodes[port.index].allSatisfy { $0 == node }
        var moved = placement
        moved.assignments = placement.assignments.map { assignment in
            var updated = assignment
            if assignment.queue.port == port.index {
                updated.queue.node = node
                updated.crossNode = placement.workers[assignment.worker].node != node
            }
            return updated
        }
        if settled || local.isEmpty {
            if local.isEmpty { log("warning: port \(name): guest memory is on node \(node), which has no worker (cross-node)") }
            try? publish(moved)
            return
        }
        do {
            var without = moved
            without.assignments.removeAll { $0.queue.port == port.index }
            try publish(without)
            var targets: [Int] = []
            var load = local.map { worker in without.assignments.filter { $0.worker == worker }.count }
            for queue in 0..<port.spec.queues {
                let slot = load.indices.min { load[$0] < load[$1] }!
                load[slot] += 1
                targets.append(local[slot])
                moved.assignments[moved.assignments.firstIndex { $0.queue.port == port.index && $0.queue.queue == queue }!]
                    .worker = local[slot]
            }
            if let pool = pools[node], rxPoolNodes[port.index].contains(where: { $0 != node }) {
                try port.moveRx(to: node, pools: Array(repeating: pool, count: port.spec.queues),
                                descriptors: options.rxDescriptors)
                rxPoolNodes[port.index] = Array(repeating: node, count: port.spec.queues)
            }
            for index in moved.assignments.indices where moved.assignments[index].queue.port == port.index {
                moved.assignments[index].crossNode = false
            }
            try publish(moved)
            let lcores = targets.map { "\(moved.workers[$0].lcore)" }.joined(separator: ",")
            log("port \(name): guest memory on node \(node): polled by lcore \(lcores), rx mbufs from node \(node)")
        } catch {
            log("error: port \(name): could not move to node \(node): \(error)")
        }
    }
}
