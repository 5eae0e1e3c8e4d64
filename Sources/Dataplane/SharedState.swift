import Synchronization
import VMSwitchCore

/// What the control side and the workers share. The control side writes `stop`, `policy` and
/// `linkUp`; each worker writes only its own `policyInUse` slot (and learns MACs). Workers read
/// `policy` once per loop, at a burst boundary, so a frame is decided wholly by one policy.
public struct SharedState: BitwiseCopyable {
    public var stop: UnsafeMutablePointer<Atomic<Bool>>
    /// The address of the `PolicyImage` in force.
    public var policy: UnsafeMutablePointer<Atomic<UInt>>
    /// Per worker: the address of the policy image it is using (0 once it has stopped). A
    /// replaced image may be freed once no worker reports it.
    public var policyInUse: UnsafeMutablePointer<Atomic<UInt>>
    /// Per port: whether the link is up (a vhost port is up while its VM is connected).
    public var linkUp: UnsafeMutablePointer<Atomic<Bool>>
    public var learned: MACTable
}
