import Foundation
import VMSwitchCore
import Yams

/// A rule's `police:` — rates in bits per second (`2Mbit`, `500kbit`, `1Gbit`) or frames per
/// second (`1000pps`, `10kpps`); bursts in bytes (`20KB`, `1500B`, `64KiB`) for a bit rate, or
/// in frames (a plain number) for a frame rate.
struct PoliceReader {
    let reader: YAMLReader
    let matches: MatchReader

    static let keys = ["rate", "burst", "peak", "peak-burst", "excess-burst", "exceed", "violate"]

    func read(_ node: Node, _ what: String) throws(ConfigError) -> Policing {
        let fields = try reader.mapping(node, "\(what) police", allowed: PoliceReader.keys)
        guard let rateNode = fields["rate"], let burstNode = fields["burst"] else {
            throw reader.error(node, "\(what) police needs a \"rate\" and a \"burst\"")
        }
        let (unit, rate) = try readRate(rateNode, "\(what) police rate")
        var police = Policing(unit: unit, rate: rate, burst: try readBurst(burstNode, "\(what) police burst", unit: unit))
        if let peakNode = fields["peak"] {
            let (peakUnit, peak) = try readRate(peakNode, "\(what) police peak")
            guard peakUnit == unit else { throw reader.error(peakNode, "\(what) police peak must count \(unit.rawValue) like rate") }
            guard peak >= rate else { throw reader.error(peakNode, "\(what) police peak must be at least the rate") }
            guard let peakBurst = fields["peak-burst"] else {
                throw reader.error(peakNode, "\(what) police peak needs a \"peak-burst\"")
            }
            guard fields["excess-burst"] == nil else {
                throw reader.error(fields["excess-burst"], "\(what) police: excess-burst is for a single rate; with peak give peak-burst")
            }
            police.peak = peak
            police.peakBurst = try readBurst(peakBurst, "\(what) police peak-burst", unit: unit)
        } else if let peakBurst = fields["peak-burst"] {
            throw reader.error(peakBurst, "\(what) police: peak-burst needs a \"peak\"")
        }
        if let excess = fields["excess-burst"] {
            police.excessBurst = try readBurst(excess, "\(what) police excess-burst", unit: unit, allowZero: true)
        }
        if let exceed = fields["exceed"] { police.exceed = try readAction(exceed, "\(what) police exceed") }
        if let violate = fields["violate"] { police.violate = try readAction(violate, "\(what) police violate") }
        return police
    }

    func readRate(_ node: Node, _ what: String) throws(ConfigError) -> (Policing.Unit, UInt64) {
        let text = try reader.string(node, what).lowercased().replacingOccurrences(of: " ", with: "")
        let units: [(String, Policing.Unit, Double)] = [
            ("gbit", .bytes, 1e9 / 8), ("mbit", .bytes, 1e6 / 8), ("kbit", .bytes, 1e3 / 8), ("bit", .bytes, 1.0 / 8),
            ("mpps", .frames, 1e6), ("kpps", .frames, 1e3), ("pps", .frames, 1),
        ]
        for (suffix, unit, scale) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number > 0, number * scale >= 1, number * scale < 1e12 else {
                break
            }
            return (unit, UInt64((number * scale).rounded()))
        }
        throw reader.error(node, "\(what) must be a rate like 2Mbit, 500kbit, 1Gbit or 1000pps, not \"\(text)\"")
    }

    private func readBurst(_ node: Node, _ what: String, unit: Policing.Unit, allowZero: Bool = false) throws(ConfigError) -> UInt64 {
        let text = try reader.string(node, what).replacingOccurrences(of: " ", with: "")
        if unit == .frames {
            guard let frames = UInt64(text), frames > 0 || allowZero, frames < 1_000_000_000 else {
                throw reader.error(node, "\(what) of a frame rate must be a number of frames, not \"\(text)\"")
            }
            return frames
        }
        let units: [(String, Double)] = [("kib", 1024), ("mib", 1_048_576), ("kb", 1000), ("mb", 1_000_000), ("b", 1)]
        var bytes: UInt64?
        for (suffix, scale) in units where text.lowercased().hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number >= 0, number * scale < 1e12 {
                bytes = UInt64((number * scale).rounded())
            }
            break
        }
        if bytes == nil, let plain = UInt64(text) { bytes = plain }
        guard let bytes else { throw reader.error(node, "\(what) must be a size like 20KB, 1500B or 64KiB, not \"\(text)\"") }
        guard bytes >= 1518 || (allowZero && bytes == 0) else {
            throw reader.error(node, "\(what) \(text) is smaller than one full-size frame (1518 bytes): such frames could never pass")
        }
        return bytes
    }

    private func readAction(_ node: Node, _ what: String) throws(ConfigError) -> Policing.Action {
        if case .scalar(let scalar) = node, scalar.string == "drop" { return .drop }
        return .remark(try matches.dscp(node, "\(what) (a DSCP or drop)"))
    }
}
