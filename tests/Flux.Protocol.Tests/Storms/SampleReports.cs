using Flux.Protocol.Storms.Reports;

namespace Flux.Protocol.Tests.Storms;

/// <summary>Storm reports to compare, built in code: a passed seed-like run whose numbers a test then bends.</summary>
internal static class SampleReports
{
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
}
