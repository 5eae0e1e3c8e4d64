import Dataplane
import VMSwitchCore

/// A loaded configuration file: the policy, plus how the dataplane should run it.
public struct SwitchConfig: Sendable {
    public var policy: SwitchPolicy
    /// Dataplane tuning (`dataplane:`) and the pinned worker lcores (`workers:`).
    public var options: Switch.Options
    public var file: String

    public init(policy: SwitchPolicy, options: Switch.Options = .init(), file: String) {
        self.policy = policy
        self.options = options
        self.file = file
    }
}
