#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A reload asked for on the telemetry thread and done by the run loop (which re-reads the
/// configuration file, as for SIGHUP), with its outcome passed back to the asker.
public final class ReloadMailbox: Sendable {
    private let state = Mutex<(requested: Bool, result: String?)>((false, nil))

    public init() {}

    /// Asks for a reload and waits up to `timeout` seconds for the run loop's answer.
    public func request(timeout: Double) -> String {
        state.withLock { $0 = (true, nil) }
        var waited = 0.0
        while waited < timeout {
            if let result = state.withLock({ $0.result }) { return result }
            usleep(10_000)
            waited += 0.01
        }
        return "no answer from the run loop within \(Int(timeout)) s"
    }

    /// The run loop's side: whether a reload was asked for since the last call.
    public func take() -> Bool {
        state.withLock { mailbox in
            defer { mailbox.requested = false }
            return mailbox.requested
        }
    }

    /// The run loop's side: what the reload asked for did.
    public func finish(_ result: String) {
        state.withLock { $0.result = result }
    }
}
