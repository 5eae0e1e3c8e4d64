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
    /// from that node's pool (see `Placement.homing`). The port's queues leave their workers first
    /// (and are confirmed gone) before the port is reconfigured and the queues join their new workers.
    func follow(_ port: SwitchPort, toNode node: Int) {
        guard let placement else { return }
        let name = port.spec.name
        if let configured = port.spec.numa {
            if configured != node { log("port \(name): guest memory is on node \(node), configured numa: \(configured) kept") }
            return
        }
        portNodes[port.index] = node
        shared?.portNode[port.index].store(node, ordering: .relaxed)
        let homing = placement.homing(port: port.index, queues: port.spec.queues, toNode: node,
                                      mbufsOnNode: rxPoolNodes[port.index].allSatisfy { $0 == node })
        guard let interim = homing.interim else {
            if homing.noLocalWorker { log("warning: port \(name): guest memory is on node \(node), which has no worker (cross-node)") }
            try? publish(homing.final)
            return
        }
        do {
            try publish(interim)
            if let pool = pools[node], rxPoolNodes[port.index].contains(where: { $0 != node }) {
                try port.moveRx(to: node, pools: Array(repeating: pool, count: port.spec.queues),
                                descriptors: options.rxDescriptors)
                rxPoolNodes[port.index] = Array(repeating: node, count: port.spec.queues)
            }
            try publish(homing.final)
            let lcores = homing.workers.map { "\(homing.final.workers[$0].lcore)" }.joined(separator: ",")
            log("port \(name): guest memory on node \(node): polled by lcore \(lcores), rx mbufs from node \(node)")
        } catch {
            log("error: port \(name): could not move to node \(node): \(error)")
        }
    }

    /// Moves rx queues to the workers `newPlacement` gives them (see `WorkerSet.publish`).
    private func publish(_ newPlacement: Placement) throws {
        guard let workers, let old = placement else { return }
        if try !workers.publish(newPlacement, replacing: old) {
            log("warning: a worker did not take up its new rx queues within 2 s")
        }
        placement = newPlacement
    }
}
