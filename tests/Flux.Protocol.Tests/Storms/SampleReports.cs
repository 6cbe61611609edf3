using Flux.Protocol.Storms.Reports;

namespace Flux.Protocol.Tests.Storms;

/// <summary>Storm reports built in code, shared by the protocol, swarm and dashboard tests.</summary>
internal static class SampleReports
{
    /// <summary>A passed seed-like run whose numbers a test then bends.</summary>
    public static StormReport Passed(string runId, double p99, double deliveredPerS = 50_000) => new()
    {
        RunId = runId,
        Scenario = "seed",
        Users = 1000,
        Guilds = 20,
        Rate = 1000,
        RampS = 10,
        DurationS = 60,
        Sent = 60_000,
        ExpectedDeliveries = 3_000_000,
        Delivered = 3_000_000,
        LatencyMs = new LatencyBlock(p99 / 4, p99 / 2, p99, p99 * 2, p99 * 3, 3_000_000),
        Throughput = new ThroughputBlock(1000, deliveredPerS),
        Sla = new SlaBlock(50, 100, 10, p99 / 2, p99, true, []),
        Generator = new GeneratorBlock(2, 1, 10, 40, 0, false, "kept its schedule"),
        OutsideFaults = Fault("outside faults", partitionClosed: 0),
        Faults = [Fault("partition: 100 × 5 s", partitionClosed: 100)],
        Details = new DetailsBlock(0, 0, 0, 0, 0, 100, 0, 0, 0, 0),
        StartedAt = "2026-11-30T12:00:00Z",
        FinishedAt = "2026-11-30T12:01:10Z",
        Outcome = StormOutcomes.Passed,
        Passed = true,
        Verdict = "passed",
    };

    public static FaultBlock Fault(string description, long partitionClosed, bool within = true) =>
        new(description, "partition", 35, 5, "cut: any; lost: 0", new Dictionary<string, long> { ["cut"] = partitionClosed, ["resumed"] = partitionClosed },
            [], within, within ? [] : ["lost 3 > 0"]);

    /// <summary>A report with every block filled in and distinct values, so a field written in the wrong place shows.</summary>
    public static StormReport Detailed() => new()
    {
        RunId = "s0102030405abc",
        Scenario = "smoke",
        Users = 100,
        Guilds = 4,
        Rate = 100,
        RampS = 2,
        DurationS = 10,
        Sent = 1_190,
        ExpectedDeliveries = 29_750,
        Delivered = 29_740,
        Lost = 10,
        Duplicates = 3,
        Reordered = 2,
        UnexpectedDisconnects = 1,
        InjectedDisconnects = 5,
        LatencyMs = new LatencyBlock(P50: 1.25, P95: 3.5, P99: 7.75, P999: 12.5, Max: 40.125, Count: 29_000),
        Throughput = new ThroughputBlock(SentPerS: 99.5, DeliveredPerS: 2_480.25),
        Sla = new SlaBlock(P95Ms: 50, P99Ms: 100, WindowS: 10, MeasuredP95Ms: 3.5, MeasuredP99Ms: 7.75, Passed: false,
            [new SlaViolationBlock(5, 17, 80, 120, "P95 > 50 ms for 12 s (t = 5–17 s; worst p95 80 ms, p99 120 ms)")]),
        Generator = new GeneratorBlock(MaxLagMs: 2.5, LagP99Ms: 1.5, GcPauseMs: 12, CpuPct: 35, MaxThreadPoolQueue: 4, Saturated: false,
            "The swarm kept its schedule; latencies are the system's."),
        Cohorts = new()
        {
            ["slow_consumers"] = new CohortBlock(2, 400, new LatencyBlock(900, 1_800, 1_950, 1_990, 2_000, 400)),
            ["partitioned"] = new CohortBlock(5, 340, new LatencyBlock(2, 2_100, 2_300, 2_400, 2_500, 340)),
        },
        Faults =
        [
            new FaultBlock("slow consumers: 2 × 2 s", "slow-consumers", 4, 2, "closes its slow readers with 4012",
                [], new() { ["4012"] = 2 }, true, []),
            new FaultBlock("partition: 5 × 2 s", "partition", 6, 2, "cuts its users off",
                new() { ["lost"] = 10, ["duplicates"] = 3, ["reordered"] = 2 }, new() { ["cut"] = 5, ["1011"] = 1 }, false,
                ["10 lost deliveries", "3 duplicated deliveries", "2 reordered deliveries", "1 unexpected closes with 1011 (internal_error)"]),
        ],
        OutsideFaults = new FaultBlock("no fault active", "none", 0, 0, "nothing", [], [], true, []),
        Details = new DetailsBlock(NotSent: 4, Rejected: 1, Unconfirmed: 2, SkippedSends: 30, ConnectFailures: 0, Resumes: 5,
            SessionsLost: 0, GapsReported: 0, ShedDisconnects: 0, ForeignFrames: 0, AnnouncedLoss: 6),
        Timeline =
        [
            new TimelineRow(1, "ramping", 60, 45, 900, 1.2, 2.5, 3, 4, false),
            new TimelineRow(3, "steady", 100, 101, 2_500, 1.5, 3, 4.25, 9, false, "0af7651916cd43dd8448eb211c80319c", 8.5),
            new TimelineRow(7, "steady", 95, 99, 2_300, 30, 80, 120, 150, true),
        ],
        Gateways = ["ws://127.0.0.1:5000/gateway?v=1", "ws://127.0.0.1:5002/gateway?v=1"],
        Notes = ["fault 3: gc pressure: gateway 0 has no admin endpoint"],
        StartedAt = "2025-01-02T03:04:05.0000000+00:00",
        FinishedAt = "2025-01-02T03:04:20.0000000+00:00",
        Outcome = StormOutcomes.Failed,
        Passed = false,
        Verdict = "SLA violated: P95 > 50 ms for 12 s; fault 2 (partition: 5 × 2 s): 10 lost deliveries",
        Causes = ["SLA violated: P95 > 50 ms for 12 s", "fault 2 (partition: 5 × 2 s): 10 lost deliveries"],
    };
}
