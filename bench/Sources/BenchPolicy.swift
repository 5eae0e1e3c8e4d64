import Foundation

/// The bench's policy, as the YAML an operator would write: eight rules over ingress port,
/// prefixes (IPv4 and IPv6), protocols, port ranges and VLAN, plus `paths`.
enum BenchPolicy {
    static let rules = """
        - name: voice
          match: {from: in, proto: udp, sport: 1024-65535, dport: 5060-5069}
          dscp: EF
        - name: video
          match: {dst: 10.1.0.0/16, proto: tcp, dport: 443}
          dscp: AF41
        - name: ssh
          match: {src: 192.168.0.0/16, proto: tcp, dport: 22}
          dscp: CS2
        - name: dns
          match: {proto: udp, dport: 53}
          dscp: AF21
        - name: icmp
          match: {proto: icmp}
          dscp: CS1
        - name: voice6
          match: {src: "2001:db8:1::/48", proto: udp, dport: 5060-5080}
          dscp: EF
        - name: bulk6
          match: {dst: "2001:db8:2::/48"}
          dscp: AF11
        - name: tagged
          match: {vlan: 100}
          dscp: AF31
        - name: rest
          match: {src: [10.0.0.0/8, "2001:db8::/32"]}
          dscp: CS3
    """

    /// `count` rules that match none of the bench's traffic, over the same fields as the real
    /// ones; placed before them, so every lookup must get past all of them.
    static func decoys(_ count: Int) -> String {
        (0..<count).map { index in
            let kind = index % 4
            let a = 16 + index / 256, b = index % 256
            let match: String
            switch kind {
            case 0: match = "{dst: 172.\(a).\(b).0/24, proto: udp}"
            case 1: match = "{src: 172.\(a).\(b).0/24, proto: tcp, dport: \(1000 + index)-\(1010 + index)}"
            case 2: match = "{dst: \"2001:db8:ff:\(String(index, radix: 16))::/64\", proto: tcp}"
            default: match = "{from: in, vlan: \(1000 + index % 3000), proto: udp, dport: \(20000 + index)}"
            }
            return "    - name: decoy\(index)\n      match: \(match)\n      dscp: \(index % 64)\n"
        }.joined()
    }

    /// `police`: a meter given to each of the nine rules.
    static func configuration(ports: String, decoys: Int = 0, paths: String = defaultPaths,
                              dataplane: String? = nil, police: String? = nil) -> String {
        let rules = police.map { meter in
            BenchPolicy.rules.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.trimmingCharacters(in: .whitespaces).hasPrefix("dscp:")
                    ? line + "\n" + line.prefix { $0 == " " } + "police: \(meter)" : String(line)
            }.joined(separator: "\n")
        } ?? BenchPolicy.rules
        return """
        ports:
        \(ports)
        qos:
          rules:
        \(decoys > 0 ? BenchPolicy.decoys(decoys) : "")\(rules)
          default: keep
        paths:
        \(paths)
        \(dataplane.map { "dataplane: {\($0)}" } ?? "")
        """
    }

    static let defaultPaths = """
          - dscp: [CS7]
            drop: true
        """
}
