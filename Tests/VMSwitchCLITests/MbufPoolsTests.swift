import Dataplane
import Testing
import VMSwitchCore

/// How big each node's mbuf pool is made, and which configured sizes are refused.
@Suite struct MbufPoolsTests {
    static let ports = [PortSpec(name: "uplink", role: .physical, backend: .device("net_null0")),
                        PortSpec(name: "vm1", role: .virtual, backend: .vhost(path: "/tmp/a.sock", client: false))]

    @Test func aPoolHoldsEveryDescriptorRingAndBurstAtOnce() {
        var sizing = MbufPools.Sizing(ports: MbufPoolsTests.ports, options: Switch.Options(), workers: 2,
                                      txQueuesPerWorker: [1, 1], handsOff: [false, false])
        // rx 2 x 1024, tx 2 ports x 2 workers x 1024, per worker 384 + 32 x 5, headroom 1024:
        // 8,256, so the next power of two less one.
        #expect(sizing.perPool == 16_383)
        sizing.handsOff = [true, true]  // two 4096-frame handoff rings more: 16,448
        #expect(sizing.perPool == 32_767)
        sizing.handsOff = [false, false]
        // A shaped port's scheduler queues: 3 classes and the best-effort queue of 2048 frames
        // each, 16,448 in all again.
        sizing.ports[0].egress = EgressShaping(rate: 1_000_000, classes: (0..<3).map { .init(name: "c\($0)", dscps: []) },
                                               queueSize: 2048)
        #expect(sizing.perPool == 32_767)
        #expect(sizing.refusal == nil)
    }

    @Test func aConfiguredPoolTooSmallForTheRxRingsIsRefused() {
        var options = Switch.Options()
        options.mbufsPerPool = 2_000
        let sizing = MbufPools.Sizing(ports: MbufPoolsTests.ports, options: options, workers: 1,
                                      txQueuesPerWorker: [1, 1], handsOff: [false, false])
        #expect(sizing.perPool == 2_000)
        #expect(sizing.needed == 2 * 1024 + 32 * 4)
        #expect(sizing.refusal == "dataplane: mbufs 2000 is below the 2176 that the ports' rx descriptors and the workers' "
                + "bursts hold; raise mbufs or lower rx-descriptors")
    }
}
