import Foundation

/// The figures the bench is held to (the batched-dataplane issue's targets), each with the
/// measured value and whether this run met it.
enum Targets {
    static func lines(_ results: [Result], cycles: [String: Double], pairRatios: [String: [Double]]) -> [String] {
        func mpps(_ name: String, _ tool: String = "vmswitch") -> Double? {
            results.first { $0.case == name && $0.tool == tool }?.mpps
        }
        func ratio(_ a: Double?, _ b: Double?) -> Double? {
            guard let a, let b, b > 0 else { return nil }
            return a / b
        }
        func isReference(_ tool: String) -> Bool {
            tool.hasPrefix("testpmd-") && tool != "testpmd-io" && tool != "testpmd-macswap"
        }
        var lines: [String] = []
        func report(_ what: String, _ value: Double?, atLeast: Double? = nil, atMost: Double? = nil, digits: Int = 2) {
            guard let value else { return }
            let met = atLeast.map { value >= $0 } ?? atMost.map { value <= $0 } ?? true
            let bound = atLeast.map { ">= \($0)" } ?? atMost.map { "<= \($0)" } ?? ""
            lines.append(String(format: "target %@ = %.\(digits)f (%@): %@", what, value, bound, met ? "met" : "MISSED"))
        }
        for name in ["mix64-rewrite50", "imix-rewrite50", "flows256k-mix64"] {
            let goal = ["mix64-rewrite50": 0.70, "imix-rewrite50": 0.85, "flows256k-mix64": 0.55][name]!
            report("\(name) vmswitch / testpmd-macswap", ratio(mpps(name), mpps(name, "testpmd-macswap")), atLeast: goal)
            // For scale: C loops that do part of vmswitch's work per frame (`BenchCase.references`).
            let references = results.filter { $0.case == name && isReference($0.tool) }
                .compactMap { row in ratio(row.mpps, mpps(name, "testpmd-macswap")).map { String(format: "%@ %.2f", row.tool, $0) } }
            if !references.isEmpty {
                lines.append("  for scale, C loops on the same traffic in this run, / testpmd-macswap: "
                             + references.joined(separator: ", "))
            }
        }
        report("mix64-rewrite50 own work, TSC cycles/frame", cycles["mix64-rewrite50"], atMost: 30, digits: 1)
        // What one difference costs (the 1000 rules, the counting). The two cases' own runs are
        // minutes apart, and this shared machine's speed drifts by more than these margins in
        // that time; so each of these cases also runs the other's configuration on its traffic
        // (`vmswitch-base`), the two taking turns in short windows (`PairedRun`), and the target
        // is the median of the neighbouring windows' ratios. The ratio of the two cases' own runs
        // is printed under it.
        func difference(_ name: String, against base: String, atLeast: Double? = nil, atMost: Double? = nil, digits: Int) {
            let apart = ratio(mpps(name), mpps(base))
            if let pairs = pairRatios[name], !pairs.isEmpty {
                report("\(name) / \(base) (vmswitch, median of \(pairs.count) neighbouring windows)", median(pairs),
                       atLeast: atLeast, atMost: atMost, digits: digits)
                lines.append(String(format: "  the windows' ratios ranged %.\(digits)f-%.\(digits)f", pairs.min()!, pairs.max()!))
                if let apart {
                    lines.append(String(format: "  the same from the two cases' own runs, minutes apart: %.\(digits)f", apart))
                }
            } else {
                report("\(name) / \(base) (vmswitch, the two cases' own runs)", apart, atLeast: atLeast, atMost: atMost,
                       digits: digits)
            }
        }
        difference("rules1000-nocache", against: "mix64-nocache", atLeast: 0.9, digits: 2)
        difference("mix64-noaudit", against: "mix64-rewrite50", atMost: 1.03, digits: 3)
        for (name, what) in [("police-mix64", "police: meters on every rule"), ("shaped-mix64", "an egress scheduler on the output")] {
            if let rate = ratio(mpps(name), mpps("mix64-rewrite50")) {
                let work = cycles[name].flatMap { own in cycles["mix64-rewrite50"].map { own - $0 } }
                lines.append(String(format: "cost of %@ (%@ vs mix64-rewrite50): throughput ratio %.3f", what, name, rate)
                             + (work.map { String(format: ", %+.1f TSC cycles/frame of own work (rx to enqueue)", $0) } ?? ""))
            }
        }
        if let many = cycles["macs16k-mix64"], let few = cycles["flows256k-mix64"],
           let rate = ratio(mpps("macs16k-mix64"), mpps("flows256k-mix64")) {
            lines.append(String(format: "cost of many MACs (macs16k-mix64 vs flows256k-mix64): %+.1f TSC cycles/frame "
                                + "of own work, throughput ratio %.3f", many - few, rate))
        }
        if let guarded = cycles["tenant-mix64"], let plain = cycles["mix64-rewrite50"],
           let rate = ratio(mpps("tenant-mix64"), mpps("mix64-rewrite50")) {
            lines.append(String(format: "cost of tenant safety (tenant-mix64 vs mix64-rewrite50): %+.1f TSC cycles/frame "
                                + "of own work, throughput ratio %.3f", guarded - plain, rate))
        }
        return lines
    }
}
