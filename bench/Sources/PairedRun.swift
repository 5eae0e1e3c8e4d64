import Foundation

/// Two vmswitch configurations on one case's traffic, both started and taking turns on the
/// worker core: while one forwards, the other is held (SIGSTOP), so that each short window of the
/// one lies next to a window of the other. This shared machine's speed moves by more than the few
/// per cent such a pair differs by in the seconds between two tool runs (by up to 1.6x between
/// one round of a tool and the next); between two neighbouring windows it moves less, so the
/// median of many pairs' ratios is what the difference costs.
struct PairedRun {
    let first: ToolRun
    let second: ToolRun

    /// `pairs` windows of `seconds` of each, in turn, after `warmup` pairs; every other pair
    /// runs the second first, so that a steady drift favours neither. Both runs must be read
    /// from vmswitch's stats file (written more often than `seconds`).
    func measure(pairs: Int, seconds: Double, warmup: Int = 1) throws -> (first: [Double], second: [Double]) {
        let runs = [first, second]
        var launched: [Launched] = []
        defer { launched.forEach { $0.stop() } }
        var lastSeen: [Double] = []
        for run in runs {
            let started = try run.launch()
            launched.append(started)
            lastSeen.append(try started.nextSample(run, after: -1).seconds)  // it is up
            kill(started.process.processIdentifier, SIGSTOP)
        }
        var rates: [[Double]] = [[], []]
        for pair in 0..<(warmup + pairs) {
            for index in pair % 2 == 0 ? [0, 1] : [1, 0] {
                let process = launched[index].process.processIdentifier
                kill(process, SIGCONT)
                // The first sample written after it resumed starts the window, so that no time
                // it was held falls inside.
                let start = try launched[index].nextSample(runs[index], after: lastSeen[index])
                let end = try launched[index].nextSample(runs[index], after: start.seconds + seconds * 0.9)
                kill(process, SIGSTOP)
                lastSeen[index] = end.seconds
                if pair >= warmup { rates[index].append((end.frames - start.frames) / (end.seconds - start.seconds) / 1e6) }
            }
        }
        return (rates[0], rates[1])
    }
}

extension Launched {
    /// The first stats sample of `run` (a vmswitch run) whose clock is past `seconds`, waiting
    /// up to 30 s for it.
    func nextSample(_ run: ToolRun, after seconds: Double) throws -> (seconds: Double, frames: Double) {
        guard case .vmswitchStats(let file, let port) = run.meter else { throw BenchError("\(tool): not a vmswitch run") }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && process.isRunning {
            if let sample = ToolRun.vmswitchSample(file: file, port: port), sample.seconds > seconds { return sample }
            usleep(20_000)
        }
        throw failure("no stats sample past \(String(format: "%.1f", seconds)) s")
    }
}
