// Compiled into one module with the core's sources (see run-fuzzer.sh).
#if canImport(VMSwitchCore)
import VMSwitchCore
#endif

/// Valid policies drawn from a seed: rules over every field (including both address families,
/// keep, monitor mode and ranges), static MACs, paths that steer or drop, learning limits, port
/// security and policed rules.
enum FuzzPolicies {
    static func make(seed: UInt64) -> SwitchPolicy {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        func chance(_ oneIn: UInt64) -> Bool { next() % oneIn == 0 }
        var ports = (0..<3).map { index in
            PortSpec(name: "p\(index)", role: .virtual, backend: .device("net_null\(index)"),
                     macs: chance(2) ? [MACAddress(bits: 0x0200_0000_0000 | UInt64(index))] : [])
        }
        let prefixes: [IPPrefix] = [
            .v4(address: 0x0A00_0000, length: 8), .v4(address: 0xC0A8_0000, length: 16), .v4(address: 0, length: 0),
            .v6(address: UInt128(0x2001_0DB8) << 96, length: 32), .v6(address: 0, length: 0),
        ]
        // Tenant safety: learning limits (0 learns nothing), port security with and without addresses.
        for index in ports.indices {
            ports[index].macLimit = [nil, 0, 1, 2, 64][Int(next() % 5)]
            if !ports[index].macs.isEmpty && chance(2) {
                ports[index].portSecurity = true
                if chance(2) { ports[index].ips = [prefixes[Int(next() % 5)], prefixes[Int(next() % 2)]] }
            }
        }
        var rules: [QoSRule] = []
        for index in 0..<Int(next() % 12) {
            var match = FrameMatch()
            if chance(3) { match.from = [Int(next() % 3)] }
            if chance(4) { match.vlan = [UInt16(next() % 8)...UInt16(next() % 8 + 8)] }
            if chance(3) { match.src = [prefixes[Int(next() % 5)]] }
            if chance(3) { match.dst = [prefixes[Int(next() % 5)], prefixes[Int(next() % 5)]] }
            if chance(2) { match.proto = [[6, 17, 1, 58, 132][Int(next() % 5)]] }
            if chance(3) {
                let low = UInt16(next() % 65536)
                match.dport = [low...low &+ UInt16(min(next() % 1000, UInt64(65535 - low)))]
            }
            if chance(4) { match.sport = [0...1023] }
            let assignment: DSCPAssignment = chance(5) ? .keep : .set(DSCP(Int(next() % 64))!)
            var rule = QoSRule(name: "r\(index)", match: match, assignment: assignment, mode: chance(4) ? .monitor : nil)
            if chance(3) {
                let actions: [Policing.Action] = [.drop, .remark(DSCP(Int(next() % 64))!)]
                rule.police = Policing(unit: .frames, rate: 10, burst: 10, exceed: actions[Int(next() % 2)],
                                       violate: actions[Int(next() % 2)])
            }
            rules.append(rule)
        }
        var paths: [PathRule] = []
        for _ in 0..<Int(next() % 3) {
            let dscps = [DSCP(Int(next() % 64))!, DSCP(Int(next() % 64))!]
            paths.append(PathRule(dscps: dscps, dst: chance(2) ? [prefixes[Int(next() % 5)]] : nil,
                                  action: chance(2) ? .drop : .output(port: Int(next() % 3), queue: 0)))
        }
        return SwitchPolicy(ports: ports, rules: rules, defaultAssignment: chance(2) ? .keep : .set(DSCP(0)!),
                            defaultMode: chance(6) ? .monitor : .enforce, paths: paths)
    }
}
