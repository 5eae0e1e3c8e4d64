/// What the dataplane needs of a frame's verdict to send or drop it, packed in one word so the
/// burst pipeline writes it with one store: the egress (a port, `Verdict.flood` or
/// `Verdict.drop`), the TX queue, the drop reason, and the DSCP the frame leaves with (0xFF for a
/// frame that is not IP).
public struct Dispatch: BitwiseCopyable, Equatable {
    public var bits: UInt64

    @inlinable @inline(__always)
    public init(_ verdict: Verdict) {
        self.init(egress: verdict.egress, queue: verdict.queue, dropReason: verdict.dropReason,
                  dscp: verdict.outcome.isIP ? verdict.dscpOut : 0xFF)
    }

    @inlinable @inline(__always)
    public init(egress: Int32, queue: UInt16, dropReason: DropReason, dscp: UInt8) {
        bits = UInt64(UInt32(bitPattern: egress)) | UInt64(queue) << 32 | UInt64(dropReason.rawValue) << 48
            | UInt64(dscp) << 56
    }

    @inlinable public var egress: Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: bits)) }
    /// The egress and the queue: equal for frames that go to the same TX buffer.
    @inlinable public var route: UInt64 { bits & 0xFFFF_FFFF_FFFF }
    @inlinable public var queue: UInt16 { UInt16(truncatingIfNeeded: bits >> 32) }
    @inlinable public var dropReason: DropReason { DropReason(rawValue: UInt8(truncatingIfNeeded: bits >> 48)) ?? .none }
    @inlinable public var dscp: UInt8 { UInt8(truncatingIfNeeded: bits >> 56) }
}
