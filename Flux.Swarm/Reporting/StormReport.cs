namespace Flux.Swarm.Reporting;

/// <summary>
/// The outcome of a storm, written as JSON (snake_case) and Markdown. <see cref="LatencyMs"/> covers healthy users;
/// users picked for slow-consumer and partition faults have their own blocks in <see cref="Cohorts"/>.
/// docs/benchmarks.md describes every field.
/// </summary>
internal sealed record StormReport
{
    public required string RunId { get; init; }
    public required string Scenario { get; init; }
    public int Users { get; init; }
    public int Guilds { get; init; }
    public double Rate { get; init; }
    public double RampS { get; init; }
    /// <summary>Seconds of steady load after the ramp (as planned, or until stopped).</summary>
    public double DurationS { get; init; }
    public long Sent { get; init; }
    public long ExpectedDeliveries { get; init; }
    public long Delivered { get; init; }
    public long Lost { get; init; }
    public long Duplicates { get; init; }
    public long Reordered { get; init; }
    public long UnexpectedDisconnects { get; init; }
    public long InjectedDisconnects { get; init; }
    public required LatencyBlock LatencyMs { get; init; }
    public required ThroughputBlock Throughput { get; init; }
    public required SlaBlock Sla { get; init; }
    public required GeneratorBlock Generator { get; init; }
    public Dictionary<string, CohortBlock> Cohorts { get; init; } = [];
    public List<FaultBlock> Faults { get; init; } = [];
    /// <summary>What happened while no fault was active.</summary>
    public required FaultBlock OutsideFaults { get; init; }
    public required DetailsBlock Details { get; init; }
    public List<TimelineRow> Timeline { get; init; } = [];
    public List<string> Gateways { get; init; } = [];
    public List<string> Notes { get; init; } = [];
    public required string StartedAt { get; init; }
    public required string FinishedAt { get; init; }
    public bool Stopped { get; init; }
    public bool Passed { get; init; }
    public required string Verdict { get; init; }
}

internal sealed record LatencyBlock(double P50, double P95, double P99, double P999, double Max, long Count);

internal sealed record ThroughputBlock(double SentPerS, double DeliveredPerS);

internal sealed record SlaBlock(double P95Ms, double P99Ms, double WindowS, double MeasuredP95Ms, double MeasuredP99Ms, bool Passed, List<SlaViolationBlock> Violations);

internal sealed record SlaViolationBlock(double FromS, double ToS, double WorstP95Ms, double WorstP99Ms, string Description);

internal sealed record GeneratorBlock(double MaxLagMs, double LagP99Ms, double GcPauseMs, double CpuPct, int MaxThreadPoolQueue, bool Saturated, string Assessment);

internal sealed record CohortBlock(int Users, long Delivered, LatencyBlock LatencyMs);

internal sealed record FaultBlock(string Description, double AtS, double DurationS, long Lost, long Duplicates, long Reordered, long UnexpectedDisconnects);

/// <summary>Counts that explain the headline numbers.</summary>
/// <param name="NotSent">Sends that failed on the socket or were refused by the gateway (error frames).</param>
/// <param name="Unconfirmed">Sends written just before their sender was cut off by a partition: they never reached a gateway, and no copy came back.</param>
/// <param name="SkippedSends">Scheduled sends whose user was offline (ramping or partitioned).</param>
internal sealed record DetailsBlock(
    long NotSent, long Rejected, long Unconfirmed, long SkippedSends, long ConnectFailures, long Resumes,
    long SessionsLost, long GapsReported, long ShedDisconnects, long ForeignFrames);

/// <summary>One second of the run.</summary>
internal sealed record TimelineRow(double T, string Phase, int Connections, double SendsPerS, double DeliveriesPerS,
    double P50Ms, double P95Ms, double P99Ms, double MaxMs, bool SlaBreach);
