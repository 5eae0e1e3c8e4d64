import Foundation
import Traffic

// vmswitch-bench: vmswitch's full pipeline against dpdk-testpmd's io and macswap forwarding, on
// the same input (a pcap replayed forever) and output (null), one forwarding lcore each, tools
// alternating round by round. Prints a table and writes the figures as JSON to $BENCH_JSON.

let environment = ProcessInfo.processInfo.environment
if CommandLine.arguments.count >= 4 && CommandLine.arguments[1] == "stages" {
    try StageBench.run(config: CommandLine.arguments[2], pcap: CommandLine.arguments[3],
                       passes: CommandLine.arguments.count > 4 ? Int(CommandLine.arguments[4]) ?? 20 : 20)
    exit(0)
}
let rounds = Int(environment["BENCH_ROUNDS"] ?? "") ?? 3
let windows = Int(environment["BENCH_WINDOWS"] ?? "") ?? 4
let jsonPath = environment["BENCH_JSON"] ?? "bench/results/bench.json"
let selected = environment["BENCH_CASES"].map { Set($0.split(separator: ",").map(String.init)) }
let selectedTools = environment["BENCH_TOOLS"].map { Set($0.split(separator: ",").map(String.init)) }
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
let vmswitch = binary.deletingLastPathComponent().appendingPathComponent("vmswitch").path
let testpmd = "/usr/bin/dpdk-testpmd"
let work = NSTemporaryDirectory() + "vmswitch-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
Cleanup.install(workDirectory: environment["BENCH_KEEP"] == nil ? work : nil)
let lcores = ["--lcores", "0@0,1@1"]

if CommandLine.arguments.count >= 3 && CommandLine.arguments[1] == "instructions" {
    let cases = CommandLine.arguments.count > 3
        ? CommandLine.arguments[3].split(separator: ",").map(String.init) : InstructionCounts.defaultCases
    do {
        try InstructionCounts.run(binary: CommandLine.arguments[2], cases: cases, work: work)
    } catch {
        Cleanup.waitIfInterrupted()
        FileHandle.standardError.write("bench: error: \(error)\n".data(using: .utf8)!)
        Cleanup.removeResidue(workDirectory: environment["BENCH_KEEP"] == nil ? work : nil)
        exit(1)
    }
    Cleanup.removeResidue(workDirectory: environment["BENCH_KEEP"] == nil ? work : nil)
    exit(0)
}

func vmswitchRun(_ name: String, config: String, memory: Int = 512, tool: String = "vmswitch") throws -> ToolRun {
    let configFile = "\(work)/\(name).yaml"
    try config.write(toFile: configFile, atomically: true, encoding: .utf8)
    let stats = "\(work)/\(name)-stats.json"
    return ToolRun(tool: tool, executable: vmswitch,
                   arguments: ["run", "--config", configFile, "--stats-interval", "0.25", "--stats-json", stats, "--",
                               "--file-prefix", "bench-\(tool)", "-m", "\(memory)"] + lcores,
                   directory: work, meter: .vmswitchStats(file: stats, port: "in"))
}

func testpmdRun(_ mode: String, devices: [String], extra: [String] = [], memory: Int = 512, mbufs: Int = 32768) -> ToolRun {
    ToolRun(tool: "testpmd-\(mode)", executable: testpmd,
            arguments: lcores + ["-m", "\(memory)", "--file-prefix", "bench-testpmd", "--no-pci"]
                + devices.flatMap { ["--vdev", $0] }
                + extra + ["--", "--forward-mode=\(mode)", "--nb-cores=1", "--stats-period", "1",
                           "--total-num-mbufs=\(mbufs)"],
            directory: work, meter: .testpmdOutput(port: 0))
}

/// A stand-in VM: dpdk-testpmd with a virtio-user port and a second port, io forwarding.
func standIn(_ name: String, socket: String, other: String, cpu: Int) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: testpmd)
    process.arguments = ["--lcores", "0@\(cpu),1@\(cpu)", "-m", "512", "--file-prefix", "bench-\(name)", "--no-pci",
                         "--single-file-segments", "--vdev", "net_virtio_user0,path=\(socket),queues=1",
                         "--vdev", other, "--", "--forward-mode=io", "--nb-cores=1", "--stats-period", "5",
                         "--total-num-mbufs=32768"]
    let log = FileHandle(forWritingAtPath: "\(work)/\(name).log") ?? {
        _ = FileManager.default.createFile(atPath: "\(work)/\(name).log", contents: nil)
        return FileHandle(forWritingAtPath: "\(work)/\(name).log")!
    }()
    process.standardOutput = log
    process.standardError = log
    try process.run()
    return process
}

func waitForSockets(_ paths: [String]) {
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline && !paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) { usleep(50_000) }
}

func tools(for benchCase: BenchCase, input: String, baseline: BenchCase?) throws -> [ToolRun] {
    if !benchCase.vhost {
        let devices = ["net_pcap0,rx_pcap=\(input),infinite_rx=1", "net_null0,no-rx=1"]
        var runs = [try vmswitchRun(benchCase.name, config: benchCase.configuration(input), memory: benchCase.memory),
                    testpmdRun("io", devices: devices, memory: benchCase.memory, mbufs: benchCase.mbufs),
                    testpmdRun("macswap", devices: devices, memory: benchCase.memory, mbufs: benchCase.mbufs)]
        runs += benchCase.references.map { testpmdRun($0, devices: devices, memory: benchCase.memory, mbufs: benchCase.mbufs) }
        if let baseline {
            runs.insert(try vmswitchRun(benchCase.name + "-base", config: baseline.configuration(input),
                                        memory: benchCase.memory, tool: "vmswitch-base"), at: 1)
        }
        return runs
    }
    let sockets = ["\(work)/in.sock", "\(work)/out.sock"]
    let vms: () throws -> [Process] = {
        waitForSockets(sockets)
        let receiver = try standIn("vm-out", socket: sockets[1], other: "net_null0,no-rx=1", cpu: 1)
        let sender = try standIn("vm-in", socket: sockets[0],
                                 other: "net_pcap0,rx_pcap=\(input),infinite_rx=1,tx_pcap=/dev/null", cpu: 0)
        return [receiver, sender]
    }
    let ports = """
      - name: in
        vhost: \(sockets[0])
      - name: out
        vhost: \(sockets[1])
        mac: ["02:00:00:00:00:02"]
    """
    var switchRun = try vmswitchRun(benchCase.name, config: BenchPolicy.configuration(ports: ports))
    switchRun.companions = vms
    var testpmdSwitch = testpmdRun("io", devices: sockets.enumerated().map { "net_vhost\($0),iface=\($1),queues=1" },
                                   extra: ["--single-file-segments"])
    testpmdSwitch.companions = vms
    return [switchRun, testpmdSwitch]
}

/// A paired run (`PairedRun`) takes turns in windows of a quarter of a second: as long as a
/// window of each other tool, in four times as many pairs.
let pairsPerWindow = 4

/// Every case, every tool, then the table, the targets and the JSON.
func runCases() throws {
    var results: [Result] = []
    var cycles: [String: Double] = [:]
    var notes: [String: String] = [:]
    var pairRatios: [String: [Double]] = [:]
    let cases = try BenchCase.all(frames: 4096, including: { selected?.contains($0) ?? true })
    for benchCase in cases where selected?.contains(benchCase.name) ?? true {
        let input = "\(work)/\(benchCase.name).pcap"
        try PcapFile.write(benchCase.traffic, to: input)
        let baseline = cases.first { $0.name == benchCase.baseline }
        let runs = try tools(for: benchCase, input: input, baseline: baseline)
            .filter { selectedTools?.contains($0.tool) ?? true }
        // A case with a baseline runs its vmswitch and the baseline's in turns (`PairedRun`).
        let paired = runs.first { $0.tool == "vmswitch" }.flatMap { own in
            runs.first { $0.tool == "vmswitch-base" }.map { PairedRun(first: own, second: $0) }
        }
        var windowsByTool: [String: [Double]] = [:]
        func record(_ round: Int, _ tool: String, _ rates: [Double]) {
            windowsByTool[tool, default: []] += rates
            print("  round \(round) \(tool): " + rates.map { String(format: "%.2f", $0) }.joined(separator: " ") + " Mpps")
            fflush(nil)  // progress shows as it happens, even into a file
        }
        print("bench: \(benchCase.name): \(runs.map(\.tool).joined(separator: ", ")), \(rounds) rounds of \(windows) s"
              + (paired == nil ? "" : " (vmswitch and vmswitch-base taking turns in windows of 1/\(pairsPerWindow) s)"))
        for round in 1...rounds {
            for run in runs where !(paired != nil && run.tool == "vmswitch-base") {
                if let paired, run.tool == "vmswitch" {
                    let (own, base) = try paired.measure(pairs: windows * pairsPerWindow, seconds: 1 / Double(pairsPerWindow))
                    record(round, "vmswitch", own)
                    record(round, "vmswitch-base", base)
                    pairRatios[benchCase.name, default: []] += zip(own, base).map { $0 / $1 }
                    continue
                }
                record(round, run.tool, try run.measure(windows: windows))
                // (A held worker's TSC cycles include the hold: a paired run's are not read.)
                if run.tool == "vmswitch", case .vmswitchStats(let file, _) = run.meter, let data = FileManager.default.contents(atPath: file),
                   let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                   let work = json["work"] as? [String: Any], let perFrame = work["cycles_per_frame"] as? Double {
                    cycles[benchCase.name] = perFrame
                }
            }
        }
        for run in runs { results.append(Result(case: benchCase.name, tool: run.tool, windows: windowsByTool[run.tool] ?? [])) }
        if let note = benchCase.note { notes[benchCase.name] = note }
    }

    print("\n" + Report.table(results, cycles: cycles, notes: notes))
    print("")
    for line in Targets.lines(results, cycles: cycles, pairRatios: pairRatios) { print(line) }
    try FileManager.default.createDirectory(atPath: (jsonPath as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    try Report.json(results).write(to: URL(fileURLWithPath: jsonPath))
    print("figures as JSON: \(jsonPath)")
}

do {
    try runCases()
} catch {
    // An interrupt makes the running tool's windows come up short: the signal handler is then
    // stopping everything and will exit; let it finish rather than race it out of the process.
    Cleanup.waitIfInterrupted()
    FileHandle.standardError.write("bench: error: \(error)\n".data(using: .utf8)!)
    Cleanup.stopAll()
    Cleanup.removeResidue(workDirectory: environment["BENCH_KEEP"] == nil ? work : nil)
    exit(1)
}
Cleanup.waitIfInterrupted()
Cleanup.removeResidue(workDirectory: environment["BENCH_KEEP"] == nil ? work : nil)
if environment["BENCH_KEEP"] != nil { print("inputs kept in \(work)") }
