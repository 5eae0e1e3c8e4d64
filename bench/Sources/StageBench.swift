import Foundation
import Synchronization
import Traffic
import VMSwitchCLI
import VMSwitchCore

/// `vmswitch-bench stages CONFIG PCAP [PASSES]`: the burst pipeline alone (`decideBurst`, no
/// DPDK, no I/O) over a pcap's frames as bursts of 32 from the configuration's first port, as
/// the dataplane runs it (its flow cache size, rule cache, and audit counters unless it turns
/// them off). Prints the fastest pass's nanoseconds per frame: on a shared machine the minimum
/// is the figure that other tenants' interruptions do not inflate, so two builds can be compared
/// within a few percent.
enum StageBench {
    static func run(config path: String, pcap: String, passes: Int) throws {
        let config = try ConfigLoader.load(path: path)
        let compiled = try CompiledPolicy(config.policy)
        let frames = try PcapFile.read(pcap)
        let burstSize = 32
        // Each burst's frames are copied into 32 buffers just before it is decided, as a PMD's
        // receive leaves them in cache.
        let frameMemory = UnsafeMutablePointer<UInt8>.allocate(capacity: burstSize * 2048)
        let macMemory = UnsafeMutableRawPointer.allocate(byteCount: MACTable.byteCount(capacity: 65536), alignment: 64)
        let learned = MACTable(memory: macMemory, capacity: 65536)
        let flowCapacity = config.options.flowCacheSize
        let flowMemory = UnsafeMutableRawPointer.allocate(byteCount: max(FlowCache.byteCount(capacity: flowCapacity), 64),
                                                          alignment: 64)
        let flows = FlowCache(memory: flowCapacity == 0 ? nil : flowMemory, capacity: flowCapacity)
        let ruleMemory = UnsafeMutableRawPointer.allocate(byteCount: RuleCache.byteCount(capacity: RuleCache.defaultCapacity),
                                                          alignment: 64)
        let rules = RuleCache(memory: ruleMemory, capacity: RuleCache.defaultCapacity)
        let recentMemory = UnsafeMutableRawPointer.allocate(byteCount: RecentMACs.byteCount(capacity: RecentMACs.defaultCapacity),
                                                            alignment: 64)
        let recent = RecentMACs(memory: recentMemory, capacity: RecentMACs.defaultCapacity)
        let auditSize = (config.policy.rules.count + 1) * AuditCounters.perRule + 64 * 64 + 512
        let auditMemory = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: auditSize)
        for slot in 0..<auditSize { (auditMemory + slot).initialize(to: Atomic(0)) }
        let audit = AuditCounters(rules: auditMemory, pairs: auditMemory + (config.policy.rules.count + 1) * 2,
                                  paths: auditMemory + (config.policy.rules.count + 1) * 2 + 64 * 64)
        let burstMemory = UnsafeMutableRawPointer.allocate(byteCount: BurstFrames.byteCount, alignment: 64)
        let burst = BurstFrames(memory: burstMemory)
        defer {
            frameMemory.deallocate()
            macMemory.deallocate()
            flowMemory.deallocate()
            ruleMemory.deallocate()
            recentMemory.deallocate()
            auditMemory.deallocate()
            burstMemory.deallocate()
        }
        var tally = QoSTally()
        var best = Double.infinity
        var total = 0.0
        for pass in 0..<passes {
            var nanoseconds: UInt64 = 0
            var start = 0
            while start < frames.count {
                let count = min(burstSize, frames.count - start)
                for slot in 0..<count {
                    frames[start + slot].withUnsafeBufferPointer {
                        (frameMemory + slot * 2048).update(from: $0.baseAddress!, count: $0.count)
                    }
                    burst.data[slot] = UnsafeMutableRawPointer(frameMemory + slot * 2048)
                    burst.length[slot] = frames[start + slot].count
                }
                let began = DispatchTime.now().uptimeNanoseconds
                decideBurst(burst, count: count, ingress: 0, policy: compiled.image, learned: learned, flows: flows,
                            rules: rules, recent: recent, tally: &tally,
                            audit: config.options.auditCounters ? audit : nil)
                nanoseconds += DispatchTime.now().uptimeNanoseconds - began
                start += count
            }
            let perFrame = Double(nanoseconds) / Double(frames.count)
            if pass > 0 {  // the first pass fills the caches and the MAC table
                best = min(best, perFrame)
                total += perFrame
            }
        }
        print(String(format: "stages: %@: %d frames, %d passes: fastest %.1f ns/frame, mean %.1f", pcap, frames.count,
                     passes - 1, best, total / Double(max(passes - 1, 1))))
    }
}
