import Dataplane
import VMSwitchCore

/// A loaded configuration file: the policy, plus how the dataplane should run it.
public struct SwitchConfig: Sendable {
    public var policy: SwitchPolicy
    public var options: Switch.Options
    /// Worker lcores the operator pinned with `workers:`; nil lets the placement choose.
    public var workers: [Int]?
    public var file: String

    public init(policy: SwitchPolicy, options: Switch.Options = .init(), workers: [Int]? = nil, file: String) {
        self.policy = policy
        self.options = options
        self.workers = workers
        self.file = file
    }
}
