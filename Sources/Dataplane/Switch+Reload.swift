#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VMSwitchCore

extension Switch {
    /// Puts `newPolicy` in force: compiled for every node with workers, published to every worker,
    /// which switches at its next burst boundary (a frame is decided wholly by the old policy or
    /// wholly by the new); the old one is freed once no worker uses it. Returns the new version.
    /// Throws, leaving the old policy running, if the change needs a restart.
    @discardableResult
    public func apply(_ newPolicy: SwitchPolicy) throws -> UInt64 {
        try controlLock.withLock { _ in
            guard let workers, let placement, let old = generation else { throw SwitchError("the switch is not running") }
            if let reason = ReloadScope.restartNeeded(from: policy, to: newPolicy, txQueuesPerWorker: txQueuesPerWorker) {
                throw SwitchError(reason)
            }
            let next = try PolicyGeneration(policy: newPolicy, version: old.version + 1, workers: placement.workers)
            workers.offer(next)
            generation = next
            policy = newPolicy
            offloadStatus = HardwareOffload.install(policy, on: ports, log: log)
            // Free the old version once every worker has moved on (or stopped).
            if workers.awaitTakeUp(next) {
                old.release()
            } else {
                log("warning: a worker did not take up policy \(next.version) within 1 s")
            }
            return next.version
        }
    }
}
