#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VMSwitchCore

extension Switch {
    /// What a running switch can take without a restart: rules, the default, modes, paths, static
    /// MACs, MAC aging and the ports' tenant safety (learning limits, port security, flood limits).
    /// Ports themselves (their names, devices, sockets, queues, NUMA nodes) need a restart.
    public static func restartNeeded(from old: [PortSpec], to new: [PortSpec]) -> String? {
        guard old.count == new.count else { return "the number of ports changed (\(old.count) -> \(new.count))" }
        for (before, after) in zip(old, new) {
            var unchanged = after
            unchanged.macs = before.macs
            unchanged.macLimit = before.macLimit
            unchanged.portSecurity = before.portSecurity
            unchanged.ips = before.ips
            unchanged.floodLimit = before.floodLimit
            if unchanged != before { return "port \(before.name) changed" + (before.name != after.name ? " (now \(after.name))" : "") }
        }
        return nil
    }

    /// A path to a TX queue beyond those the workers were given at start (one per `paths` queue
    /// number then in use): the queues are set up with the ports, so it needs a restart. Without
    /// this check its frames would go to another port's TX buffer, or past the buffers' end.
    public static func queueNeedingRestart(_ paths: [PathRule], txQueuesPerWorker: [Int], portNames: [String]) -> String? {
        for (index, path) in paths.enumerated() {
            guard case .output(let port, let queue) = path.action, queue >= txQueuesPerWorker[port] else { continue }
            return "paths entry \(index + 1) sends to queue \(queue) of port \(portNames[port]), which has "
                + "\(txQueuesPerWorker[port]) TX queue\(txQueuesPerWorker[port] == 1 ? "" : "s") per worker since the start"
        }
        return nil
    }

    /// Puts `newPolicy` in force: compiled for every node with workers, published to every worker,
    /// which switches at its next burst boundary (a frame is decided wholly by the old policy or
    /// wholly by the new); the old one is freed once no worker uses it. Returns the new version.
    /// Throws, leaving the old policy running, if the change needs a restart.
    @discardableResult
    public func apply(_ newPolicy: SwitchPolicy) throws -> UInt64 {
        try controlLock.withLock { _ in
            guard let shared, let placement, let old = generation else { throw SwitchError("the switch is not running") }
            if let reason = Switch.restartNeeded(from: policy.ports, to: newPolicy.ports) {
                throw SwitchError("\(reason): restart vmswitch to apply port changes")
            }
            if let reason = Switch.queueNeedingRestart(newPolicy.paths, txQueuesPerWorker: txQueuesPerWorker,
                                                       portNames: policy.ports.map(\.name)) {
                throw SwitchError("\(reason): restart vmswitch to use it")
            }
            let next = try PolicyGeneration(policy: newPolicy, version: old.version + 1, workers: placement.workers)
            for (index, view) in next.workerPolicies.enumerated() {
                shared.policy[index].store(UInt(bitPattern: view), ordering: .releasing)
            }
            generation = next
            policy = newPolicy
            installOffloads()
            // Free the old version once every worker has moved on (or stopped).
            var waited = 0
            while waited < 5000 && next.workerPolicies.indices.contains(where: { index in
                let using = shared.policyInUse[index].load(ordering: .acquiring)
                return using != 0 && using != UInt(bitPattern: next.workerPolicies[index])
            }) {
                usleep(200)
                waited += 1
            }
            if waited < 5000 { old.release() } else { log("warning: a worker did not take up policy \(next.version) within 1 s") }
            return next.version
        }
    }
}

extension Switch {
    /// Asks the run loop to reload (from the telemetry thread) and waits for what it did.
    func requestReload(timeout: Double) -> String {
        reloadMailbox.withLock { $0 = (true, nil) }
        var waited = 0.0
        while waited < timeout {
            if let result = reloadMailbox.withLock({ $0.result }) { return result }
            usleep(10_000)
            waited += 0.01
        }
        return "no answer from the run loop within \(Int(timeout)) s"
    }

    /// Whether a reload was requested over telemetry (and clears the request).
    public func takeReloadRequest() -> Bool {
        reloadMailbox.withLock { mailbox in
            defer { mailbox.requested = false }
            return mailbox.requested
        }
    }

    public func finishReload(_ result: String) {
        reloadMailbox.withLock { $0.result = result }
    }
}
