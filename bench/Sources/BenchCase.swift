import Foundation
import Traffic
import VMSwitchCLI
import VMSwitchCore

/// A bench case: its traffic, and how each tool forwards it (pcap in, null out, one worker).
struct BenchCase {
    let name: String
    let traffic: [[UInt8]]
    /// vmswitch's configuration, given the directory and the input pcap.
    let configuration: (_ input: String) -> String
    /// The port whose rx the rate is read from.
    let inputPort = "in"
    var note: String?
    /// For the vhost case: tools are set up by `VhostBench` instead.
    var vhost = false
    /// Hugepage memory (MiB) and mbufs each tool gets: the pcap PMD holds the whole input in mbufs.
    var memory = 512
    var mbufs = 32768
    /// A case whose vmswitch configuration also runs on this case's traffic, as the tool
    /// `vmswitch-base`, taking turns with this case's vmswitch a window each (`PairedRun`): the
    /// ratio of neighbouring windows is what this case's one difference costs, with the machine's
    /// drift between runs left out.
    var baseline: String?
    /// testpmd forwarding modes that do part of vmswitch's per-frame work in C, run on this
    /// case's traffic for scale (see `Targets`): `5tswap` parses each frame through its VLAN tags
    /// to L4 and swaps source and destination at each layer (MACs, IP addresses, TCP/UDP ports);
    /// `csum` parses as far, rewrites the MACs and recomputes the IPv4 header checksum and the
    /// TCP checksum (and UDP's, where it is not zero) in software (these ports offload nothing).
    var references: [String] = []

    /// `count` flows cycled through: frames in the pcap, and so mbufs the pcap PMD holds.
    static let manyFlowCount = 262_144
    /// Source and destination MACs of macs16k-mix64: more than a worker's `RecentMACs` holds.
    static let manyMACCount = 16_384

    static func pcapPorts(_ input: String, outputs: Int = 1, outputMACs: [MACAddress]? = nil) -> String {
        var ports = """
          - name: in
            device: "net_pcap0,rx_pcap=\(input),infinite_rx=1"
        """
        for index in 0..<outputs {
            let name = index == 0 ? "out" : "out\(index + 1)"
            ports += """

              - name: \(name)
                device: "net_null\(index),no-rx=1"
                mac: [\(index == 0 && outputMACs != nil ? outputMACs!.map { "\"\($0)\"" }.joined(separator: ", ")
                                                          : "\"02:00:00:00:00:0\(index + 2)\"")]
            """
        }
        return ports
    }

    /// `pcapPorts` with the input port guarded as a tenant's VM would be: every tenant-safety
    /// option on (its traffic's MAC and prefixes are its own, so nothing is dropped).
    static func tenantPorts(_ input: String) -> String {
        pcapPorts(input).replacingOccurrences(of: "device: \"net_pcap0,rx_pcap=\(input),infinite_rx=1\"", with: """
            device: "net_pcap0,rx_pcap=\(input),infinite_rx=1"
                role: virtual
                mac: ["\(BenchTraffic.source)"]
                port-security: true
                ips: [10.0.0.0/8, 192.168.0.0/16, "2001:db8::/32"]
                mac-limit: 64
                flood-limit: 10000
            """)
    }

    /// `pcapPorts` with the output port shaped by an egress scheduler.
    static func shapedPorts(_ input: String) -> String {
        pcapPorts(input) + """

                egress:
                  rate: 40Gbit
                  classes:
                    - {name: voice, dscp: [EF]}
                    - {name: video, dscp: [AF41]}
                  best-effort: {weights: {AF1x: 2, BE: 1}}
                  queue-size: 1024
            """
    }

    /// The cases; `including` says which will run (the large inputs are built only for those).
    static func all(frames: Int, including: (String) -> Bool = { _ in true }) throws -> [BenchCase] {
        let policy = try benchPolicy()
        let mixed = try BenchTraffic.frames(count: frames, rewriteShare: 0.5, sizes: .min64, policy: policy)
        let consistent = try BenchTraffic.frames(count: frames, rewriteShare: 0, sizes: .min64, policy: policy)
        let imix = try BenchTraffic.frames(count: frames, rewriteShare: 0.5, sizes: .imix, policy: policy)
        return [
            BenchCase(name: "mix64-rewrite50", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0)) }, references: ["5tswap", "csum"]),
            BenchCase(name: "mix64-verify", traffic: consistent,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0)) }),
            BenchCase(name: "imix-rewrite50", traffic: imix,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0)) }),
            BenchCase(name: "paths-mix64", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0, outputs: 2), paths: """
                          - dscp: [EF, AF41, CS1]
                            to: out2
                          - dscp: [CS7]
                            drop: true
                      """) },
                      note: "EF, AF41 and CS1 leave by a second null port (a path), the rest by the MAC decision"),
            BenchCase(name: "flows256k-mix64", traffic: including("flows256k-mix64")
                          ? try BenchTraffic.manyFlows(count: manyFlowCount, policy: policy) : [],
                      configuration: {
                          BenchPolicy.configuration(ports: pcapPorts($0, outputMACs: (0..<256).map { BenchTraffic.manyDestination($0) }),
                                                    dataplane: "mbufs: \(manyFlowCount + 32768)")
                      },
                      note: "262,144 distinct 5-tuples between 256 source and 256 destination MACs, each flow once a pass",
                      memory: 1280, mbufs: manyFlowCount + 32768),
            BenchCase(name: "macs16k-mix64", traffic: including("macs16k-mix64")
                          ? try BenchTraffic.manyFlows(count: manyFlowCount, macs: manyMACCount, policy: policy) : [],
                      configuration: {
                          let destinations = (0..<manyMACCount).map { BenchTraffic.manyDestination($0, macs: manyMACCount) }
                          return BenchPolicy.configuration(ports: pcapPorts($0, outputMACs: destinations),
                                                           dataplane: "mbufs: \(manyFlowCount + 32768)")
                      },
                      note: "flows256k-mix64 between 16,384 source and 16,384 destination MACs, each frame a new pair",
                      memory: 1280, mbufs: manyFlowCount + 32768),
            BenchCase(name: "rules1000-mix64", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0), decoys: 991) },
                      note: "1000 rules: 991 that match nothing come first, then the 9 of mix64-rewrite50"),
            BenchCase(name: "mix64-noaudit", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0), dataplane: "audit: off") },
                      note: "mix64-rewrite50 without the per-rule and per-port audit counters (totals only)",
                      baseline: "mix64-rewrite50"),
            BenchCase(name: "mix64-nocache", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0), dataplane: "flow-cache: 0") },
                      note: "mix64-rewrite50 with the flow cache off: every frame is classified"),
            BenchCase(name: "rules1000-nocache", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0), decoys: 991, dataplane: "flow-cache: 0") },
                      note: "rules1000-mix64 with the flow cache off: every frame is classified",
                      baseline: "mix64-nocache"),
            BenchCase(name: "tenant-mix64", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: tenantPorts($0)) },
                      note: "mix64-rewrite50 from a guarded port: port security (its MAC, its prefixes), mac-limit, flood-limit"),
            BenchCase(name: "police-mix64", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: pcapPorts($0), police: "{rate: 40Gbit, burst: 10MB}") },
                      note: "mix64-rewrite50 with a police: meter (rte_meter srTCM) on each of the nine rules, rated so every frame is green"),
            BenchCase(name: "shaped-mix64", traffic: mixed,
                      configuration: { BenchPolicy.configuration(ports: shapedPorts($0)) },
                      note: "mix64-rewrite50 out of a port with egress: (rte_sched, 40 Gbit/s, EF and AF41 strict priority, "
                          + "AF1x/BE weighted), above what one worker sends: the scheduler's cost, not its shaping"),
            BenchCase(name: "vhost-mix64", traffic: mixed, configuration: { _ in "" },
                      note: "two virtio-user stand-in VMs through the switch: switch and VMs share the 2 cores",
                      vhost: true),
        ]
    }

    /// The policy the traffic is generated against, read by vmswitch's own configuration loader.
    static func benchPolicy() throws -> SwitchPolicy {
        try ConfigLoader.parse(BenchPolicy.configuration(ports: pcapPorts("/dev/null")), file: "bench policy").policy
    }
}
