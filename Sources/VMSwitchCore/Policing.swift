/// A rule's rate meter and what each colour does (RFC 2697 srTCM, or RFC 2698 trTCM when a peak
/// rate is given), as the configuration says it: `police: {rate, burst, peak, peak-burst,
/// excess-burst, exceed, violate}`. The dataplane meters with DPDK's `rte_meter`; the core applies
/// the colour (`FrameColour`) it is given.
public struct Policing: Sendable, Equatable {
    /// Rates count bytes (of the whole frame, as received) or frames.
    public enum Unit: String, Sendable { case bytes, frames }

    public var unit: Unit
    /// Committed rate per second, and committed burst (bytes or frames).
    public var rate: UInt64
    public var burst: UInt64
    /// trTCM: peak rate and peak burst. nil: srTCM with `excessBurst`.
    public var peak: UInt64?
    public var peakBurst: UInt64?
    /// srTCM's excess burst (0: no yellow).
    public var excessBurst: UInt64
    /// What a yellow and a red frame get: a DSCP, or dropped.
    public var exceed: Action
    public var violate: Action

    public enum Action: Sendable, Equatable {
        case remark(DSCP)
        case drop
    }

    public init(unit: Unit, rate: UInt64, burst: UInt64, peak: UInt64? = nil, peakBurst: UInt64? = nil,
                excessBurst: UInt64 = 0, exceed: Action = .drop, violate: Action = .drop) {
        self.unit = unit
        self.rate = rate
        self.burst = burst
        self.peak = peak
        self.peakBurst = peakBurst
        self.excessBurst = excessBurst
        self.exceed = exceed
        self.violate = violate
    }

    public var isTwoRate: Bool { peak != nil }
}

/// The colour a meter gave a frame (`rte_color`'s values), and the marker's verdict on a frame
/// whose colour's action is to drop it.
public enum FrameColour {
    public static let green: UInt8 = 0
    public static let yellow: UInt8 = 1
    public static let red: UInt8 = 2
    /// Set by the QoS stage: the frame's colour says drop (counted as `police`).
    public static let dropped: UInt8 = 0xFF
}

extension FlowDecision {
    /// The decision for a frame of colour `colour` (not green) under a policed rule: its colour's
    /// DSCP (and the path that DSCP takes), or nil when its colour drops it. Monitor-mode rules
    /// change nothing: their frames keep the green decision.
    @inlinable
    func recoloured(_ colour: UInt8, _ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int,
                    policy: UnsafePointer<PolicyImage>) -> FlowDecision? {
        if monitor { return self }
        let action = policy.pointee.ruleActions[Int(rule)]
        let remark = colour == FrameColour.yellow ? action.exceed : action.violate
        if remark == RuleAction.drop { return nil }
        var decision = self
        decision.dscp = remark
        decision.path = FlowDecision.noPath
        decision.pathPort = 0
        decision.queue = 0
        assignPath(&decision, frame, parsed, ingress: ingress, policy: policy,
                   final: remark == RuleAction.keep ? parsed.dscp : remark)
        return decision
    }
}

/// Sets `decision`'s path: the first `paths` entry that matches the frame with DSCP `final`.
@inlinable @inline(__always)
func assignPath(_ decision: inout FlowDecision, _ frame: UnsafeRawPointer, _ parsed: ParsedFrame, ingress: Int,
                policy: UnsafePointer<PolicyImage>, final: UInt8) {
    let paths = policy.paths
    guard paths.pointee.ruleCount > 0 else { return }
    setPath(&decision, ClassifierImage.firstMatch(paths, frame, parsed, from: ingress, dscp: final), policy: policy)
}

/// Sets `decision`'s path to `path` (a `paths` index, or -1: none) and that path's action.
@inlinable @inline(__always)
func setPath(_ decision: inout FlowDecision, _ path: Int, policy: UnsafePointer<PolicyImage>) {
    guard path >= 0 else { return }
    let pathAction = policy.pointee.pathActions[path]
    decision.path = Int16(truncatingIfNeeded: path)
    decision.pathPort = Int16(truncatingIfNeeded: pathAction.port)
    decision.queue = pathAction.queue
}
