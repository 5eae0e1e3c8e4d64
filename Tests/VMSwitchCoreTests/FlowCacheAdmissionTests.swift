import Testing
import VMSwitchCore

/// What keeps the flow cache from costing more than it saves: admission into a full cache only on
/// a second sighting, and the governor that stands the cache aside while it neither hits nor fills.
@Suite struct FlowCacheAdmissionTests {
    @Test func manyFlowsDoNotEvictLiveEntries() throws {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: FlowCache.byteCount(capacity: 16), alignment: 64)
        defer { memory.deallocate() }
        let flows = FlowCache(memory: memory, capacity: 16)
        let decision = FlowDecision(rule: 1, path: FlowDecision.noPath, dscp: 46, monitor: false, pathPort: 0, queue: 0)
        func key(_ n: UInt64) -> FlowKey {
            var bytes = v4Frame(src: "10.0.0.1", dport: UInt16(n)).build()
            return bytes.withUnsafeMutableBytes { FlowKey($0.baseAddress!, parseFrame($0.baseAddress!, length: $0.count), ingress: 0) }
        }
        let live = (0..<8).map(key)
        for k in live { flows.admit(k, identity: 7, hash: k.hash, decision: decision) }
        let resident = live.filter { flows.lookup($0, identity: 7, hash: $0.hash) != nil }.count
        #expect(resident >= 6)  // free slots are filled at once (two candidates each)
        // A thousand flows seen once each: none may take a live entry's slot.
        for n in 1000..<2000 { let k = key(UInt64(n)); flows.admit(k, identity: 7, hash: k.hash, decision: decision) }
        #expect(live.filter { flows.lookup($0, identity: 7, hash: $0.hash) != nil }.count == resident)
        // A flow seen twice in a row is admitted.
        let twice = key(3000)
        flows.admit(twice, identity: 7, hash: twice.hash, decision: decision)
        flows.admit(twice, identity: 7, hash: twice.hash, decision: decision)
        #expect(flows.lookup(twice, identity: 7, hash: twice.hash) == decision)
    }

    /// Several frames of a new flow in one burst all miss, and each is admitted: the flow must
    /// take one slot, not both of its candidates.
    @Test func aFlowMissingSeveralTimesInOneBurstTakesOneSlot() {
        let capacity = 64
        let memory = UnsafeMutableRawPointer.allocate(byteCount: FlowCache.byteCount(capacity: capacity), alignment: 64)
        defer { memory.deallocate() }
        let flows = FlowCache(memory: memory, capacity: capacity)
        let decision = FlowDecision(rule: 1, path: FlowDecision.noPath, dscp: 46, monitor: false, pathPort: 0, queue: 0)
        let keys = (0..<8).map { n in
            var bytes = v4Frame(src: "10.0.0.1", dport: UInt16(100 + n)).build()
            return bytes.withUnsafeMutableBytes { FlowKey($0.baseAddress!, parseFrame($0.baseAddress!, length: $0.count), ingress: 0) }
        }
        for key in keys {
            for _ in 0..<3 { flows.admit(key, identity: 7, hash: key.hash, decision: decision) }
        }
        let entries = flows.entries!
        #expect((0..<capacity).filter { entries[$0].identity == 7 }.count == keys.count)
        #expect(keys.allSatisfy { flows.lookup($0, identity: 7, hash: $0.hash) == decision })
    }

    @Test func restsWhileLookupsMissAndReturns() {
        var governor = FlowCacheGovernor()
        for _ in 0..<FlowCacheGovernor.window { governor.record(lookups: 32, hits: 0) }
        #expect(governor.restingBursts == FlowCacheGovernor.window * 15)
        // One lookup in three hitting pays for the cache (see `payingShare`); a few less does not.
        var healthy = FlowCacheGovernor()
        for burst in 0..<Int(FlowCacheGovernor.window) { healthy.record(lookups: 30, hits: burst == 0 ? 9 : 10) }
        #expect(healthy.restingBursts == FlowCacheGovernor.window * 15)
        healthy = FlowCacheGovernor()
        for _ in 0..<FlowCacheGovernor.window { healthy.record(lookups: 30, hits: 10) }
        #expect(healthy.restingBursts == 0)
        var warming = FlowCacheGovernor()
        warming.fills = 700
        for _ in 0..<FlowCacheGovernor.window { warming.record(lookups: 32, hits: 0) }
        #expect(warming.restingBursts == 0)
    }

    @Test func repeatedFailedProbesRestLongerUntilAWindowPays() {
        var governor = FlowCacheGovernor()
        var rests: [UInt32] = []
        for _ in 0..<6 {  // six probe windows in a row that do not pay
            for _ in 0..<FlowCacheGovernor.window { governor.record(lookups: 32, hits: 1) }
            rests.append(governor.restingBursts / FlowCacheGovernor.window)
            governor.restingBursts = 0  // the rest runs out (`FlowCache.inUse` counts it down)
        }
        #expect(rests == [15, 31, 63, 127, 255, 255])
        for _ in 0..<FlowCacheGovernor.window { governor.record(lookups: 32, hits: 11) }  // one that pays
        #expect(governor.restingBursts == 0)
        for _ in 0..<FlowCacheGovernor.window { governor.record(lookups: 32, hits: 1) }
        #expect(governor.restingBursts == FlowCacheGovernor.window * 15)
        var light = FlowCacheGovernor()  // too few lookups to judge: no rest, and no longer one after
        light.rest = 127
        for _ in 0..<FlowCacheGovernor.window { light.record(lookups: 2, hits: 0) }
        #expect(light.restingBursts == 0 && light.rest == FlowCacheGovernor.shortestRest)
    }

    @Test func aRestingCacheIsBypassedThenUsedAgain() {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: FlowCache.byteCount(capacity: 16), alignment: 64)
        defer { memory.deallocate() }
        let flows = FlowCache(memory: memory, capacity: 16)
        flows.governor!.pointee.restingBursts = 2
        #expect(flows.inUse.entries == nil)
        #expect(flows.inUse.entries == nil)
        #expect(flows.inUse.entries != nil)
    }
}
