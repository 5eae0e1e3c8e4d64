/// What a running switch can take from a new policy without a restart: rules, the default, modes,
/// paths, static MACs, MAC aging and the ports' tenant safety (learning limits, port security,
/// flood limits). The ports themselves (names, devices, sockets, queues, NUMA nodes) and TX queues
/// beyond those set up at start need a restart.
public enum ReloadScope {
    /// Why `new` cannot replace `old` in a running switch whose workers were given
    /// `txQueuesPerWorker` at start (nil: it can).
    public static func restartNeeded(from old: SwitchPolicy, to new: SwitchPolicy, txQueuesPerWorker: [Int]) -> String? {
        if let reason = portChange(from: old.ports, to: new.ports) {
            return "\(reason): restart vmswitch to apply port changes"
        }
        if let reason = queueBeyondStart(new.paths, txQueuesPerWorker: txQueuesPerWorker, portNames: old.ports.map(\.name)) {
            return "\(reason): restart vmswitch to use it"
        }
        return nil
    }

    /// Per port: the TX queues each worker needs for `policy`'s paths (one, or one per `queue:`
    /// number a path sends to).
    public static func txQueuesPerWorker(_ policy: SwitchPolicy) -> [Int] {
        policy.ports.indices.map { port in
            1 + policy.paths.reduce(0) { highest, path in
                if case .output(port, let queue) = path.action { return max(highest, queue) }
                return highest
            }
        }
    }

    /// A port added, removed or changed in more than its tenant-safety settings.
    public static func portChange(from old: [PortSpec], to new: [PortSpec]) -> String? {
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

    /// A path to a TX queue beyond those the workers were given at start: the queues are set up
    /// with the ports. Taken without a restart, its frames would go to another port's TX buffer,
    /// or past the buffers' end.
    static func queueBeyondStart(_ paths: [PathRule], txQueuesPerWorker: [Int], portNames: [String]) -> String? {
        for (index, path) in paths.enumerated() {
            guard case .output(let port, let queue) = path.action, queue >= txQueuesPerWorker[port] else { continue }
            return "paths entry \(index + 1) sends to queue \(queue) of port \(portNames[port]), which has "
                + "\(txQueuesPerWorker[port]) TX queue\(txQueuesPerWorker[port] == 1 ? "" : "s") per worker since the start"
        }
        return nil
    }
}
