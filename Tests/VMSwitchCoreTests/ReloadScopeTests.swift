import Testing
import VMSwitchCore

/// What a running switch takes from a new policy and what needs a restart.
@Suite struct ReloadScopeTests {
    static let ports = [
        PortSpec(name: "uplink", role: .physical, backend: .device("net_null0")),
        PortSpec(name: "vm1", role: .virtual, backend: .vhost(path: "/tmp/a.sock", client: false),
                 macs: [MACAddress(parsing: "52:54:00:00:00:01")!]),
    ]

    @Test func tenantSafetyChangesLiveAndPlumbingDoesNot() throws {
        let before = ReloadScopeTests.ports
        var guarded = before
        guarded[1].macLimit = 8
        guarded[1].portSecurity = true
        guarded[1].ips = [try IPPrefix(parsing: "10.0.0.1")]
        guarded[1].floodLimit = 100
        #expect(ReloadScope.portChange(from: before, to: guarded) == nil)
        var replumbed = guarded
        replumbed[1].queues = 2
        #expect(ReloadScope.portChange(from: guarded, to: replumbed) == "port vm1 changed")
        #expect(ReloadScope.portChange(from: before, to: Array(before.prefix(1)))
                == "the number of ports changed (2 -> 1)")
    }

    @Test func aPathToAQueueSetUpAtStartIsTakenAndOneBeyondItIsRefused() {
        let ef = DSCP(parsing: "EF")!, af41 = DSCP(parsing: "AF41")!
        var start = SwitchPolicy(ports: ReloadScopeTests.ports)
        start.paths = [PathRule(dscps: [ef], action: .output(port: 1, queue: 1))]
        let queues = ReloadScope.txQueuesPerWorker(start)
        #expect(queues == [1, 2])

        var same = start
        same.paths.append(PathRule(dscps: [af41], action: .output(port: 1, queue: 0)))
        same.paths.append(PathRule(dscps: [af41], action: .drop))
        #expect(ReloadScope.restartNeeded(from: start, to: same, txQueuesPerWorker: queues) == nil)

        var beyond = start
        beyond.paths.append(PathRule(dscps: [af41], action: .output(port: 0, queue: 1)))
        #expect(ReloadScope.restartNeeded(from: start, to: beyond, txQueuesPerWorker: queues)
                == "paths entry 2 sends to queue 1 of port uplink, which has 1 TX queue per worker since the start: "
                + "restart vmswitch to use it")

        var moved = start
        moved.ports[0].queues = 2
        #expect(ReloadScope.restartNeeded(from: start, to: moved, txQueuesPerWorker: queues)
                == "port uplink changed: restart vmswitch to apply port changes")
    }
}
