import Dataplane
import Testing
import VMSwitchCLI

/// The text report (`vmswitch stats`, `--stats-interval`, the report at exit), on the snapshot
/// the Prometheus exposition tests use.
@Suite struct StatsReportTests {
    /// The work and flow-cache counters the JSON and Prometheus carry are in the text too.
    @Test func theTextReportShowsWorkAndTheFlowCache() {
        let report = StatsReport.render(PrometheusExpositionTests().snapshot()).split(separator: "\n").map(String.init)
        #expect(report.contains("work: 61.5 TSC cycles a frame  busy rounds 0.0 %  flow cache: hits 81 of 90 lookups (90.0 %)"
                                + "  resting bursts 5"), "\(report)")
        var idle = PrometheusExpositionTests().snapshot().work
        idle.rounds = 8
        idle.busyRounds = 2
        idle.flowCacheLookups = 0
        idle.flowCacheHits = 0
        #expect(StatsReport.workLine(idle).hasSuffix("busy rounds 25.0 %  flow cache: no lookups  resting bursts 5"))
    }
}
