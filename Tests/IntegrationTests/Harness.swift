import Foundation
import Testing
import Traffic
import VMSwitchCore

/// Runs the built `vmswitch` binary (or `dpdk-testpmd`) as a child process, the way an operator
/// would, and collects what it printed. Every process gets its own EAL file prefix and memory
/// budget, and is killed if it outlives its timeout.
struct Harness {
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["VMSWITCH_BIN"] { return path }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("vmswitch").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return "vmswitch"
    }()

    /// The Tests directory of the source tree (scenario scripts live beside the test targets).
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().path

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    let directory: String
    let prefix: String

    init(_ name: String) throws {
        // A fixed-width PID keeps every path (and so every devargs string) the same length from
        // run to run: Debian's dpdk-dumpcap 22.11 crashes on a primary whose vdev devargs are
        // exactly 75 characters long, and a test must not pass or fail with the PID's digits.
        let pid = String(getpid())
        prefix = "vmswitch-test-\(name)-" + String(repeating: "0", count: max(0, 7 - pid.count)) + pid
        directory = NSTemporaryDirectory() + prefix
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// EAL arguments for a test process: its own prefix and a 256 MiB budget.
    var eal: [String] { ["--file-prefix", prefix, "-m", "256", "--lcores", "0@0,1@1"] }

    func write(config: String) throws -> String {
        let file = path("vmswitch.yaml")
        try config.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs `executable` to completion (killing it after `timeout` seconds); its output goes
    /// through temporary files, so a chatty process can never block on a full pipe.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 60) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let base = NSTemporaryDirectory() + "vmswitch-out-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        try withSignalsUnblocked { try process.run() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var status = Int32(-1)
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("\(executable) \(arguments.joined(separator: " ")) timed out after \(timeout) s")
        } else {
            process.waitUntilExit()
            status = process.terminationStatus
        }
        let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        return Result(status: status, output: output, error: error)
    }

    /// Runs a scenario script (`SCRIPT BINARY WORKDIR`) and prints what it said; nil when it
    /// skipped (exit 77: QEMU cannot run here), saying why.
    static func runScenario(_ script: String, binary: String, name: String, timeout: Double) throws -> Result? {
        let harness = try Harness(name)
        let result = try Harness.run("/bin/bash", [script, binary, harness.directory], timeout: timeout)
        print(result.output)
        guard result.status != 77 else {
            print("skipped: \(result.output.split(separator: "\n").first ?? "QEMU cannot run here")")
            return nil
        }
        return result
    }

    /// Runs the switch on `config` until its pcap inputs are replayed; returns the final counters.
    func runSwitch(config: String, extra: [String] = []) throws -> (Result, Stats) {
        let file = try write(config: config)
        let statsFile = path("stats.json")
        try? FileManager.default.removeItem(atPath: statsFile)
        let result = try Harness.run(Harness.binary, ["run", "--config", file, "--exit-idle", "0.5",
                                                      "--duration", "30", "--stats-json", statsFile]
                                         + extra + ["--"] + eal)
        #expect(result.status == 0, "vmswitch failed:\n\(result.output)\n\(result.error)")
        let data = try Data(contentsOf: URL(fileURLWithPath: statsFile))
        return (result, try JSONDecoder().decode(Stats.self, from: data))
    }

    func pcap(_ name: String) throws -> [[UInt8]] { try PcapFile.read(path(name)) }

    /// A pcap port's devargs: replays `<name>-in.pcap`, records into `<name>-out.pcap`.
    func pcapDevice(_ index: Int, _ name: String, extraTx: [String] = []) -> String {
        "net_pcap\(index),rx_pcap=\(path("\(name)-in.pcap")),tx_pcap=\(path("\(name)-out.pcap"))"
            + extraTx.map { ",tx_pcap=\(path($0))" }.joined()
    }
}

/// The parts of `--stats-json` the tests read.
struct Stats: Decodable {
    struct Port: Decodable {
        var rx: UInt64
        var tx: UInt64
        var dropped: UInt64
        var drops: [String: UInt64]
        var link: String
        var numa: Int?
        var lcore: Int?
        var dscp_in: [UInt64]
        var dscp_out: [UInt64]
        var dscp_pairs: [String: UInt64]
        var verified: UInt64
        var inconsistent: UInt64
        var macs: Int
        var classes: [String: SchedulerClass]?
    }

    struct SchedulerClass: Decodable {
        var sent: UInt64
        var dropped: UInt64
    }

    struct QoS: Decodable {
        var verified: UInt64
        var rewritten: UInt64
        var monitored: UInt64
        var malformed: UInt64
        var non_ip: UInt64
    }

    struct Rule: Decodable {
        var matched: UInt64
        var verified: UInt64
        var rewritten: UInt64
        var green: UInt64?
        var yellow: UInt64?
        var red: UInt64?
    }

    struct Pool: Decodable {
        var size: Int
        var in_use: Int
    }

    var ports: [String: Port]
    var qos: QoS
    var rules: [String: Rule]
    struct MAC: Decodable {
        var learned: Int
        var table_full: UInt64
        var spoofed_source: UInt64
        var aged: UInt64
    }

    struct Work: Decodable {
        var flow_cache_lookups: UInt64
        var flow_cache_hits: UInt64
        var flow_cache_resting_bursts: UInt64
    }

    var pools: [String: Pool]
    var mac: MAC
    var work: Work
    var policy_version: Int
    var seconds: Double
}

let hostA = MACAddress(parsing: "02:00:00:00:00:0a")!
let routerMAC = MACAddress(parsing: "02:00:00:00:00:fe")!
let vm1MAC = MACAddress(parsing: "52:54:00:00:00:01")!
let vm2MAC = MACAddress(parsing: "52:54:00:00:00:02")!

func frame4(_ src: MACAddress, _ dst: MACAddress, from: String = "10.0.1.1", to: String = "10.0.2.1",
            proto: UInt8 = IPProtocol.udp, dport: UInt16 = 5060, dscp: UInt8 = 0, ecn: UInt8 = 0,
            vlan: UInt16? = nil, payload: Int = 18) -> FrameBuilder {
    var builder = FrameBuilder(dstMAC: dst, srcMAC: src, network: .ipv4(src: ipv4Address(from), dst: ipv4Address(to)))
    builder.proto = proto
    builder.dport = dport
    builder.dscp = dscp
    builder.ecn = ecn
    builder.payload = (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
    if let vlan { builder.tags = [(tpid: EtherType.vlan, tci: vlan)] }
    return builder
}

func frame6(_ src: MACAddress, _ dst: MACAddress, from: String = "2001:db8:1::1", to: String = "2001:db8:2::1",
            proto: UInt8 = IPProtocol.tcp, dport: UInt16 = 22, dscp: UInt8 = 0, ecn: UInt8 = 0) -> FrameBuilder {
    var builder = FrameBuilder(dstMAC: dst, srcMAC: src, network: .ipv6(src: ipv6Address(from), dst: ipv6Address(to),
                                                                        flowLabel: 0x12345))
    builder.proto = proto
    builder.dport = dport
    builder.dscp = dscp
    builder.ecn = ecn
    return builder
}

extension FrameBuilder {
    func with(dscp: UInt8) -> FrameBuilder {
        var copy = self
        copy.dscp = dscp
        return copy
    }
}
