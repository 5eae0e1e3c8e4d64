import Testing
import VMSwitchCLI
import VMSwitchCore

@Suite struct ConfigLoaderTests {
    let full = """
    ports:
      - name: uplink
        role: physical
        device: "0000:3b:00.0"
        mac: ["02:00:00:00:00:fe"]
      - name: vm1
        role: virtual
        vhost: /run/vmswitch/vm1.sock
        numa: 0
        mac: ["52:54:00:00:00:01"]
      - name: vm2
        vhost: /run/vmswitch/vm2.sock
        vhost-client: true
        queues: 2
    qos:
      rules:
        - name: voice
          match: {from: [vm1], vlan: 100, src: 10.0.0.0/8, dst: 10.0.1.0/24,
                  proto: udp, sport: 1024-65535, dport: 5060-5080}
          dscp: EF
        - match: {src: "2001:db8::/32", proto: 6}
          dscp: 26
          mode: monitor
      default: keep
    paths:
      - dscp: [CS1]
        dst: 10.0.9.0/24
        to: uplink
        queue: 0
      - dscp: [CS7]
        drop: true
    """

    @Test func readsTheWholeSchema() throws {
        let config = try ConfigLoader.parse(full, file: "sw.yaml")
        let policy = config.policy
        #expect(policy.ports.map(\.name) == ["uplink", "vm1", "vm2"])
        #expect(policy.ports[0].backend == .device("0000:3b:00.0") && policy.ports[0].role == .physical)
        #expect(policy.ports[1].backend == .vhost(path: "/run/vmswitch/vm1.sock", client: false))
        #expect(policy.ports[1].numa == 0 && policy.ports[1].macs == [MACAddress(parsing: "52:54:00:00:00:01")!])
        #expect(policy.ports[2].backend == .vhost(path: "/run/vmswitch/vm2.sock", client: true))
        #expect(policy.ports[2].role == .virtual && policy.ports[2].queues == 2)
        let voice = policy.rules[0]
        #expect(voice.name == "voice" && voice.assignment == .set(DSCP(46)!))
        #expect(voice.match == FrameMatch(from: [1], vlan: [100...100], src: [try IPPrefix(parsing: "10.0.0.0/8")],
                                          dst: [try IPPrefix(parsing: "10.0.1.0/24")], proto: [17],
                                          sport: [1024...65535], dport: [5060...5080]))
        #expect(policy.rules[1].name == "rule2" && policy.rules[1].mode == .monitor)
        #expect(policy.rules[1].assignment == .set(DSCP(26)!) && policy.rules[1].match.proto == [6])
        #expect(policy.defaultAssignment == .keep)
        #expect(policy.paths == [
            PathRule(dscps: [DSCP(8)!], dst: [try IPPrefix(parsing: "10.0.9.0/24")], action: .output(port: 0, queue: 0)),
            PathRule(dscps: [DSCP(56)!], action: .drop),
        ])
    }

    func refusal(_ yaml: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(yaml, file: "bad.yaml")
            return nil
        } catch {
            return error
        }
    }

    static let onePort = "ports:\n  - {name: a, device: net_null0}\n  - {name: b, device: net_null1}\n"

    /// Each bad configuration, the line it must name and a piece of the message.
    static let refusals: [(String, Int, String)] = [
        (onePort + "qos:\n  rules:\n    - {match: {form: [a]}, dscp: EF}\n", 6, "unknown key \"form\""),
        (onePort + "qos:\n  rules:\n    - {match: {from: [c]}, dscp: EF}\n", 6, "unknown port \"c\""),
        (onePort + "paths:\n  - {dscp: [EF], to: z}\n", 5, "unknown port \"z\""),
        (onePort + "qos:\n  rules:\n    - {dscp: 64}\n", 6, "bad DSCP \"64\""),
        (onePort + "qos:\n  default: AF44\n", 5, "bad DSCP \"AF44\""),
        (onePort + "qos:\n  rules:\n    - {match: {src: 10.0.0.0/33}, dscp: EF}\n", 6, "bad CIDR \"10.0.0.0/33\""),
        (onePort + "qos:\n  rules:\n    - {match: {dst: 10.1.1.1/8}, dscp: EF}\n", 6, "host bits set"),
        (onePort + "qos:\n  rules:\n    - {match: {dport: 90-80}, dscp: EF}\n", 6, "\"90-80\""),
        (onePort + "qos:\n  rules:\n    - {match: {sport: 70000}, dscp: EF}\n", 6, "\"70000\""),
        (onePort + "qos:\n  rules:\n    - {match: {proto: tpc}, dscp: EF}\n", 6, "bad protocol \"tpc\""),
        (onePort + "qos:\n  rules:\n    - {match: {vlan: 4096}, dscp: EF}\n", 6, "\"4096\""),
        ("ports:\n  - {name: a, device: net_null0}\n  - {name: a, device: net_null1}\n", 3, "duplicate port name \"a\""),
        ("ports:\n  - {name: a, device: net_null0, vhost: /tmp/a.sock}\n", 2, "not both"),
        ("ports:\n  - {name: a, device: net_null0, mac: [\"52:54:00:00:00\"]}\n", 2, "bad MAC address"),
        ("ports:\n  - {name: a, device: net_null0, mac: [\"02:00:00:00:00:01\"]}\n"
            + "  - {name: b, device: net_null1, mac: [\"02:00:00:00:00:01\"]}\n", 3, "already a static address"),
        ("ports:\n  - {name: a, device: net_null0}\n  - name: b\n    device: x\n   bad: [\n", 5, "YAML syntax error"),
        ("ports:\n  - {name: a}\n", 2, "needs a \"device\" or a \"vhost\""),
        ("ports:\n  - {name: a, vhost: relative.sock}\n", 2, "absolute socket path"),
        ("ports:\n  - {name: a, device: net_null0, role: switch}\n", 2, "physical or virtual"),
        ("ports:\n  - {name: a, device: net_null0}\nqueues: 3\n", 3, "unknown key \"queues\""),
        (onePort + "paths:\n  - {dscp: [EF], to: a, drop: true}\n", 5, "not both"),
        (onePort + "paths:\n  - {dscp: [EF], to: a, queue: 9}\n", 5, "queue must be a number in 0-7"),
        (onePort + "qos:\n  rules:\n    - {name: x, dscp: EF}\n    - {name: x, dscp: AF11}\n", 7, "duplicate rule name"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, mode: audit}\n", 6, "enforce or monitor"),
        (onePort + "dataplane: {mac-table-size: 1000}\n", 4, "power of two"),
        (onePort + "dataplane: {burst: 0}\n", 4, "burst must be a number in 1-512"),
        ("ports:\n  - {name: a, device: net_null0, vhost-client: true}\n", 2, "applies only to a vhost port"),
        ("ports:\n  - {name: a, vhost: /tmp/a.sock, vhost-group: no-such-group-x}\n", 2, "no group \"no-such-group-x\""),
        ("ports:\n  - {name: a, vhost: /tmp/a.sock, vhost-client: true, vhost-owner: root}\n", 2, "client mode"),
        (onePort + "workers: [1, x]\n", 4, "a worker lcore must be a number"),
        ("ports:\n  - {name: a, vhost: /tmp/a.sock, port-security: true}\n", 2, "needs the port's own addresses"),
        ("ports:\n  - {name: a, vhost: /tmp/a.sock, ips: [10.0.0.1]}\n", 2, "only with port-security"),
        ("ports:\n  - {name: a, vhost: /tmp/a.sock, mac: [\"52:54:00:00:00:01\"], port-security: true, ips: [10.0.0.1/33]}\n",
         2, "bad CIDR"),
        ("ports:\n  - {name: a, vhost: /tmp/a.sock, mac-limit: lots}\n", 2, "mac-limit (a number of MACs, or none)"),
        ("ports:\n  - {name: a, vhost: /tmp/a.sock, flood-limit: 0}\n", 2, "flood-limit (frames per second)"),
        (onePort + "dataplane: {mac-aging: -1}\n", 4, "mac-aging"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit}}\n", 6, "needs a \"rate\" and a \"burst\""),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbps, burst: 20KB}}\n", 6, "a rate like 2Mbit"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit, burst: 1000B}}\n", 6, "smaller than one full-size frame"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit, burst: 20XB}}\n", 6, "a size like 20KB"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 100pps, burst: 20KB}}\n", 6, "a number of frames"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit, burst: 20KB, peak: 1Mbit, peak-burst: 20KB}}\n", 6,
         "at least the rate"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit, burst: 20KB, peak: 100pps, peak-burst: 20}}\n", 6,
         "must count bytes"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit, burst: 20KB, peak: 4Mbit}}\n", 6, "needs a \"peak-burst\""),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit, burst: 20KB, exceed: AF99}}\n", 6, "a DSCP or drop"),
        (onePort + "qos:\n  rules:\n    - {dscp: EF, police: {rate: 2Mbit, burst: 20KB, colour: red}}\n", 6, "unknown key \"colour\""),
        ("ports:\n  - {name: a, device: net_null0, egress: {classes: []}}\n", 2, "egress needs a \"rate\""),
        ("ports:\n  - {name: a, device: net_null0, egress: {rate: 1000pps, classes: [{name: v, dscp: [EF], rate: 1Mbit}]}}\n",
         2, "must count frames like the port's rate"),
        ("ports:\n  - {name: a, device: net_null0, egress: {rate: 1Gbit, classes: [{name: v, dscp: [EF]}, {name: w, dscp: [EF]}]}}\n",
         2, "EF is already in class \"v\""),
        ("ports:\n  - {name: a, device: net_null0, egress: {rate: 1Gbit, classes: [{name: v, dscp: [EF], rate: 2Gbit}]}}\n",
         2, "rate above the port's"),
        ("ports:\n  - {name: a, device: net_null0, egress: {rate: 1Gbit, best-effort: {weights: {AF5x: 1}}}}\n", 2,
         "must be BE, AF1x-AF4x or a DSCP"),
        ("ports:\n  - {name: a, device: net_null0, egress: {rate: 1Gbit, queue-size: 100}}\n", 2, "power of two"),
    ]

    @Test func egressClassesAndQueues() throws {
        let config = try ConfigLoader.parse("""
            ports:
              - name: up
                device: net_null0
                egress:
                  rate: 1Gbit
                  classes:
                    - {name: control, dscp: [CS6, CS7]}
                    - {name: voice, dscp: [EF], rate: 200Mbit}
                  best-effort: {weights: {AF1x: 2, BE: 1}}
                  queue-size: 256
            """, file: "e.yaml")
        let egress = try #require(config.policy.ports[0].egress)
        #expect(egress.rate == 125_000_000 && egress.queueSize == 256)
        #expect(egress.classes.map(\.name) == ["control", "voice"] && egress.classes[1].rate == 25_000_000)
        #expect(egress.bestEffort.map(\.name) == ["AF1x", "BE"] && egress.weights == [2, 1, 1, 1])
        let table = egress.classOfTag
        #expect(table[48] == 0 && table[56] == 0 && table[46] == 1 << 8)  // CS6, CS7 -> class 0; EF -> class 1
        #expect(table[10] == 12 << 8 | 0 && table[14] == 12 << 8 | 0)      // AF11, AF13 -> best effort queue 0
        #expect(table[0] == 12 << 8 | 1 && table[255] == 12 << 8 | 1)      // BE and non-IP -> the BE queue
        #expect(!egress.countsFrames)
        let frames = try ConfigLoader.parse("""
            ports:
              - {name: up, device: net_null0, egress: {rate: 10kpps, classes: [{name: voice, dscp: [EF], rate: 2kpps}]}}
            """, file: "f.yaml").policy.ports[0].egress
        #expect(frames?.countsFrames == true && frames?.rate == 10_000 && frames?.classes[0].rate == 2000)
    }

    @Test func policeUnitsAndActions() throws {
        let config = try ConfigLoader.parse(onePort_ + """
            qos:
              rules:
                - name: two-rate
                  dscp: AF11
                  police: {rate: 2Mbit, burst: 20KB, peak: 4Mbit, peak-burst: 40KiB, exceed: AF12, violate: drop}
                - name: single
                  dscp: EF
                  police: {rate: 1.5kpps, burst: 32, excess-burst: 16, exceed: CS1}
                - name: plain
                  dscp: CS2
                  police: {rate: 800kbit, burst: 1518}
            """, file: "p.yaml")
        let rules = config.policy.rules
        #expect(rules[0].police == Policing(unit: .bytes, rate: 250_000, burst: 20_000, peak: 500_000, peakBurst: 40_960,
                                            exceed: .remark(DSCP(12)!), violate: .drop))
        #expect(rules[1].police == Policing(unit: .frames, rate: 1500, burst: 32, excessBurst: 16, exceed: .remark(DSCP(8)!)))
        #expect(rules[2].police == Policing(unit: .bytes, rate: 100_000, burst: 1518))
    }

    let onePort_ = ConfigLoaderTests.onePort

    @Test func tenantSafetyDefaultsAndSettings() throws {
        let defaults = try ConfigLoader.parse("ports:\n  - {name: up, device: net_null0}\n  - {name: vm, vhost: /tmp/v.sock}\n",
                                             file: "d.yaml")
        #expect(defaults.policy.ports.map(\.macLimit) == [nil, 64])
        #expect(defaults.policy.ports.map(\.portSecurity) == [false, false])
        #expect(defaults.policy.ports.map(\.floodLimit) == [nil, nil])
        #expect(defaults.policy.macAging == 300)
        let set = try ConfigLoader.parse("""
            ports:
              - {name: up, device: net_null0, mac-limit: 1000, flood-limit: 5000}
              - name: vm
                vhost: /tmp/v.sock
                mac: ["52:54:00:00:00:01"]
                mac-limit: none
                port-security: true
                ips: [10.0.0.5, "2001:db8::/64"]
            dataplane: {mac-aging: 0}
            """, file: "s.yaml")
        #expect(set.policy.ports.map(\.macLimit) == [1000, nil])
        #expect(set.policy.ports[0].floodLimit == 5000)
        #expect(set.policy.ports[1].portSecurity)
        #expect(set.policy.ports[1].ips == [try IPPrefix(parsing: "10.0.0.5"), try IPPrefix(parsing: "2001:db8::/64")])
        #expect(set.policy.macAging == 0)
    }

    @Test(arguments: 0..<ConfigLoaderTests.refusals.count)
    func refusesWithFileLineAndValue(_ index: Int) {
        let (yaml, line, fragment) = ConfigLoaderTests.refusals[index]
        let error = refusal(yaml)
        #expect(error?.file == "bad.yaml")
        #expect(error?.line == line, "\(error?.description ?? "accepted")")
        #expect(error?.message.contains(fragment) == true, "\(error?.description ?? "accepted")")
    }

    @Test func socketOwnershipAndWorkers() throws {
        let config = try ConfigLoader.parse("""
        ports:
          - {name: a, vhost: /tmp/a.sock, vhost-owner: root, vhost-group: "0"}
        workers: [1, 3]
        """, file: "ok.yaml")
        #expect(config.policy.ports[0].socketOwner == 0 && config.policy.ports[0].socketGroup == 0)
        #expect(config.options.workerLcores == [1, 3])
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/vmswitch.yaml") }
    }
}
