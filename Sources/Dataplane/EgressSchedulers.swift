import CDPDK
import VMSwitchCore

/// The `egress:` ports' schedulers (rte_sched, through the shim): created with the workers, each in
/// its port's TX owner's node memory, and run by that owner (`drainScheduled`).
public enum EgressSchedulers {
    /// The most rte_sched is told a shaped port's line carries (100 Gbit/s, in bytes).
    public static let lineRate: UInt64 = 12_500_000_000

    /// The line rte_sched assumes under a port shaped to `rate`: a thousand times the rate (so the
    /// shaping buckets run on real time, see cdpdk_sched_create, and rte_sched's rate ratios stay
    /// well inside its precision), at most `lineRate` (beyond which its byte clock
    /// would round to zero cycles per byte).
    static func line(for rate: UInt64) -> UInt64 {
        min(lineRate, max(rate, rate.multipliedReportingOverflow(by: 1000).overflow ? .max : rate * 1000))
    }

    /// Creates each `egress:` port's scheduler in its TX owner's node memory.
    static func create(_ shared: SharedState, ports: [SwitchPort], placement: Placement, mtu: Int?) throws {
        for port in ports {
            shared.schedulers[port.index] = nil
            shared.schedulerCountsFrames[port.index] = port.spec.egress?.countsFrames ?? false
            let table = shared.classOfTag + port.index * 256
            guard let egress = port.spec.egress else {
                table.initialize(repeating: 0, count: 256)
                continue
            }
            table.initialize(from: egress.classOfTag, count: 256)
            // rte_sched grants a class rate x 40 ms of credit each period and does not carry it
            // over: a rate whose grant is smaller than one full frame would never send one.
            let frame = egress.countsFrames ? 1 : UInt64(mtu ?? 1500) + 22 + 24
            for (name, rate) in [("rate", egress.rate)] + egress.classes.compactMap({ item in item.rate.map { (item.name, $0) } })
                where rate * 40 / 1000 < frame {
                free(shared, portCount: ports.count)
                let unit = egress.countsFrames ? "frames/s" : "bit/s", scale: UInt64 = egress.countsFrames ? 1 : 8
                throw SwitchError("port \(port.spec.name): egress \(name) \(rate * scale) \(unit) is below the \(frame * 25 * scale) "
                                  + "\(unit) that lets rte_sched send one full-size frame per 40 ms period")
            }
            let owner = shared.txOwner[port.index]
            let node = placement.workers[owner].node
            var error = [CChar](repeating: 0, count: 160)
            let errorSize = error.count
            let scheduler = cdpdk_sched_create("vmswitch_sched\(port.index)", Int32(node), line(for: egress.rate), egress.rate,
                                               egress.countsFrames ? 1 : UInt32(mtu ?? 1500) + 22, UInt16(egress.queueSize),
                                               egress.classRates, egress.weights, egress.countsFrames, &error, errorSize)
            guard let scheduler else {
                free(shared, portCount: ports.count)
                throw SwitchError("port \(port.spec.name): egress scheduler: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
            }
            shared.schedulers[port.index] = scheduler
        }
    }

    /// Frees the schedulers (and the frames still queued in them) once the workers have stopped.
    static func free(_ shared: SharedState, portCount: Int) {
        for port in 0..<portCount {
            if let scheduler = shared.schedulers[port] { cdpdk_sched_free(scheduler) }
            shared.schedulers[port] = nil
        }
    }
}
