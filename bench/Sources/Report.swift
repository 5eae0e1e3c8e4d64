import Foundation

/// One tool's windows on one case.
struct Result: Codable {
    let `case`: String
    let tool: String
    let mpps: Double
    let min: Double
    let max: Double

    init(case name: String, tool: String, windows: [Double]) {
        self.case = name
        self.tool = tool
        mpps = median(windows)
        min = windows.min() ?? 0
        max = windows.max() ?? 0
    }
}

/// The middle value (the mean of the middle two), 0 for none.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

enum Report {
    static func table(_ results: [Result], cycles: [String: Double], notes: [String: String]) -> String {
        func cell(_ text: String, _ width: Int, left: Bool = false) -> String {
            let pad = String(repeating: " ", count: Swift.max(0, width - text.count))
            return left ? text + pad : pad + text
        }
        func number(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
        let header = [cell("case", 16, left: true), cell("tool", 16, left: true), cell("Mpps", 8), cell("min", 8),
                      cell("max", 8), cell("ns/frame", 9), cell("x macswap", 10), cell("x io", 7)]
        var lines = [header.joined(separator: " ")]
        for name in orderedCases(results) {
            let rows = results.filter { $0.case == name }
            let macswap = rows.first { $0.tool == "testpmd-macswap" }?.mpps
            let io = rows.first { $0.tool == "testpmd-io" }?.mpps
            for row in rows {
                let ratio = { (base: Double?) in base.map { number(row.mpps / $0, 2) } ?? "-" }
                lines.append([cell(name, 16, left: true), cell(row.tool, 16, left: true), cell(number(row.mpps, 2), 8),
                              cell(number(row.min, 2), 8), cell(number(row.max, 2), 8),
                              cell(number(row.mpps > 0 ? 1000 / row.mpps : 0, 1), 9),
                              cell(ratio(macswap), 10), cell(ratio(io), 7)].joined(separator: " "))
            }
            if let perFrame = cycles[name] {
                lines.append(cell("", 16) + "  vmswitch's own work: \(number(perFrame, 1)) TSC cycles/frame (rx/tx bursts excluded)")
            }
            if let note = notes[name] { lines.append(cell("", 16) + "  note: \(note)") }
        }
        return lines.joined(separator: "\n")
    }

    static func orderedCases(_ results: [Result]) -> [String] {
        var seen: [String] = []
        for result in results where !seen.contains(result.case) { seen.append(result.case) }
        return seen
    }

    static func json(_ results: [Result]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(results)
    }
}
