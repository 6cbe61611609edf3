namespace Flux.Protocol.Storms.Reports;

/// <summary>
/// The outcome of a storm, written as JSON (snake_case) and Markdown, and read back by the dashboard and by
/// <c>storm compare</c>. <see cref="LatencyMs"/> covers healthy users; users picked for slow-consumer and partition
/// faults have their own blocks in <see cref="Cohorts"/>. docs/benchmarks.md describes every field.
/// </summary>
public sealed record StormReport
{
    public required string RunId { get; init; }
    public required string Scenario { get; init; }
    /// <summary>What was driven: <c>flux</c>, <c>signalr</c> or <c>socketio</c> (see <see cref="TargetNames"/>).</summary>
    public string Target { get; init; } = TargetNames.Flux;
    /// <summary>What the target promises, so a reader knows what the loss and order counts could hold it to.</summary>
    public string Guarantees { get; init; } = TargetKind.Flux.Guarantees();
    public int Users { get; init; }
    public int Guilds { get; init; }
    public double Rate { get; init; }
    public double RampS { get; init; }
    /// <summary>Seconds of steady load after the ramp (as planned, or until stopped).</summary>
    public double DurationS { get; init; }
    public long Sent { get; init; }
    public long ExpectedDeliveries { get; init; }
    public long Delivered { get; init; }
    /// <summary>Expected deliveries that never arrived and of which nobody was told (no 4007, no gap).</summary>
    public long Lost { get; init; }
    /// <summary>Deliveries in excess of one per message: a seq received twice, or a message (by nonce) received under two seqs.</summary>
    public long Duplicates { get; init; }
    /// <summary>Deliveries out of order: a seq after a higher one, or a sender's message after its later one (see <see cref="DetailsBlock.ReorderedSenders"/>).</summary>
    public long Reordered { get; init; }
    /// <summary>Deliveries whose <c>from</c>, <c>body</c> or <c>ts</c> was not what was sent, or that no one sent.</summary>
    public long Corrupted { get; init; }
    /// <summary>
    /// Deliveries to the swarm's users of messages a visitor sent (a person who joined a storm's guild from the page):
    /// they take seqs in the guild, so they are tracked, but they are not the swarm's messages and count nowhere else.
    /// </summary>
    public long Foreign { get; init; }
    /// <summary>The visitors' own round trips (send to their own <c>msg</c>, measured in their browsers); null when none joined.</summary>
    public VisitorsBlock? Visitors { get; init; }
    public long UnexpectedDisconnects { get; init; }
    public long InjectedDisconnects { get; init; }
    public required LatencyBlock LatencyMs { get; init; }
    public required ThroughputBlock Throughput { get; init; }
    public required SlaBlock Sla { get; init; }
    public required GeneratorBlock Generator { get; init; }
    public Dictionary<string, CohortBlock> Cohorts { get; init; } = [];
    /// <summary>Each tier in the plan (high, normal, low): its users, how often the gateways shed them, and its latency.</summary>
    public Dictionary<string, TierBlock> Tiers { get; init; } = [];
    /// <summary>Each planned fault: what it is allowed to cause, what it caused, and whether that was within the allowance.</summary>
    public List<FaultBlock> Faults { get; init; } = [];
    /// <summary>What happened while no fault was active: nothing is allowed there.</summary>
    public required FaultBlock OutsideFaults { get; init; }
    public required DetailsBlock Details { get; init; }
    public List<TimelineRow> Timeline { get; init; } = [];
    public List<string> Gateways { get; init; } = [];
    public List<string> Notes { get; init; } = [];
    /// <summary>
    /// A storm run on several swarm processes (a coordinator and its agents): each shard's share and clock, with its
    /// raw latency histogram, so anyone can re-add them and check the merged one. Null for a storm on one process.
    /// </summary>
    public ShardsBlock? Shards { get; init; }
    public required string StartedAt { get; init; }
    public required string FinishedAt { get; init; }
    public bool Stopped { get; init; }
    /// <summary><c>passed</c>, <c>failed</c> or <c>inconclusive</c>.</summary>
    public required string Outcome { get; init; }
    public bool Passed { get; init; }
    /// <summary>"passed", or every cause joined with "; ".</summary>
    public required string Verdict { get; init; }
    /// <summary>Every reason the storm did not pass, one a line: an SLA breach, each effect a fault did not explain, ...</summary>
    public List<string> Causes { get; init; } = [];
}

/// <summary>The outcomes a storm can have, as the report and the exit code say them.</summary>
public static class StormOutcomes
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Inconclusive = "inconclusive";
}

/// <summary>The shards of a distributed storm.</summary>
/// <param name="HealthyHistogram">The merged latency of healthy users: a compressed HdrHistogram (V2 encoding), base64.</param>
public sealed record ShardsBlock(string HealthyHistogram, List<ShardBlock> Each);

/// <summary>One shard of a distributed storm: shard 0 is the coordinator's own.</summary>
/// <param name="Where">"coordinator", or the agent's URL.</param>
/// <param name="ClockOffsetMs">The agent's clock minus the coordinator's, as measured before the start and corrected for.</param>
/// <param name="ClockUncertaintyMs">How far the true offset may be from the measured one (half the shortest round trip).</param>
/// <param name="HealthyHistogram">This shard's raw latency of healthy users: a compressed HdrHistogram, base64.</param>
/// <param name="ClockDriftMs">How much the offset changed over the run (measured again after it); a drift beyond a tenth
/// of the p95 limit makes the storm inconclusive.</param>
public sealed record ShardBlock(int Shard, string Where, int Users, long Sent, long Delivered, double ClockOffsetMs, double ClockUncertaintyMs,
    string HealthyHistogram, double ClockDriftMs = 0);

public sealed record LatencyBlock(double P50, double P95, double P99, double P999, double Max, long Count);

public sealed record ThroughputBlock(double SentPerS, double DeliveredPerS);

public sealed record SlaBlock(double P95Ms, double P99Ms, double WindowS, double MeasuredP95Ms, double MeasuredP99Ms, bool Passed, List<SlaViolationBlock> Violations);

public sealed record SlaViolationBlock(double FromS, double ToS, double WorstP95Ms, double WorstP99Ms, string Description);

public sealed record GeneratorBlock(double MaxLagMs, double LagP99Ms, double GcPauseMs, double CpuPct, int MaxThreadPoolQueue, bool Saturated, string Assessment,
    double SchedulingLagP99Ms = 0, double MaxSchedulingLagMs = 0);

public sealed record CohortBlock(int Users, long Delivered, LatencyBlock LatencyMs);

/// <summary>The people who joined the storm from the page, and the round trips their browsers measured.</summary>
/// <param name="People">Visitor passes issued for the storm.</param>
/// <param name="Echoes">Their own messages that came back while the storm ran.</param>
/// <param name="RoundTripMs">Exact percentiles of those round trips (0 when there were none).</param>
public sealed record VisitorsBlock(int People, long Echoes, LatencyBlock RoundTripMs);

/// <summary>One tier of users under load.</summary>
/// <param name="ShedUsers">Users of the tier the gateways shed (closed with 1013) while healthy: the shed cohort.</param>
/// <param name="ShedCloses">Closes with 1013, reconnects refused while shedding included.</param>
/// <param name="LatencyMs">Deliveries to the tier's users while healthy (never shed, nor picked by a fault), the whole run.</param>
/// <param name="SurgeLatencyMs">The same, for messages sent during a surge or its recovery; null without a surge.</param>
public sealed record TierBlock(int Users, int ShedUsers, long ShedCloses, LatencyBlock LatencyMs, LatencyBlock? SurgeLatencyMs);

/// <summary>
/// One fault and what happened while it was active (or, for users a fault picked, to them). <see cref="Effects"/> and
/// <see cref="Closes"/> count what it caused; <see cref="Allowance"/> says what it may cause; <see cref="Exceeded"/>
/// lists what went beyond that.
/// </summary>
public sealed record FaultBlock(string Description, string Kind, double AtS, double DurationS, string Allowance,
    Dictionary<string, long> Effects, Dictionary<string, long> Closes, bool WithinAllowance, List<string> Exceeded)
{
    public long Effect(string name) => Effects.GetValueOrDefault(name);
}

/// <summary>Counts that explain the headline numbers.</summary>
/// <param name="NotSent">Sends that failed on the socket or were refused by the gateway (error frames).</param>
/// <param name="Unconfirmed">Sends written just before their sender was cut off: they never reached a gateway, and no copy came back.</param>
/// <param name="SkippedSends">Scheduled sends whose user was offline (ramping or partitioned).</param>
/// <param name="AnnouncedLoss">Deliveries users missed but were told about (closed with 4007 or sent a gap) and so could not count on.</param>
/// <param name="ReorderedSenders">The senders (user ids) whose messages reached a user out of the order they were sent, with how often (at most 20).</param>
/// <param name="LostRuns">
/// Where the lost deliveries were, the largest runs first (at most 20): a user, its guild, the consecutive seqs it never
/// received and nothing announced, when the first was sent, and how the user's connection ended around then.
/// </param>
/// <param name="LostNeverReceived">
/// Of the lost deliveries, those of messages that no user received at all (each counted once per member of its guild):
/// sends that never came back. The rest of <see cref="StormReport.Lost"/> are holes in, or the missing top of, a user's
/// stream of a message others did receive.
/// </param>
public sealed record DetailsBlock(
    long NotSent, long Rejected, long Unconfirmed, long SkippedSends, long ConnectFailures, long Resumes,
    long SessionsLost, long GapsReported, long ShedDisconnects, long ForeignFrames, long AnnouncedLoss = 0, long LostNeverReceived = 0,
    Dictionary<string, long>? ReorderedSenders = null, List<LostRunBlock>? LostRuns = null);

/// <summary>Consecutive seqs one user lost (see <see cref="DetailsBlock.LostRuns"/>).</summary>
/// <param name="SentAtS">When the first was sent, in run seconds; -1 when no user received it (its send time is not known by seq).</param>
/// <param name="Ends">The user's connection ends nearest that time ("51.2 s close 1013, fault 2").</param>
public sealed record LostRunBlock(string User, string Guild, long FirstSeq, long LastSeq, double SentAtS, List<string> Ends)
{
    public long Count => LastSeq - FirstSeq + 1;
}

/// <summary>One second of the run.</summary>
/// <param name="WorstTraceId">The trace id of this second's worst delivery that carried a trace, if any did.</param>
public sealed record TimelineRow(double T, string Phase, int Connections, double SendsPerS, double DeliveriesPerS,
    double P50Ms, double P95Ms, double P99Ms, double MaxMs, bool SlaBreach, string? WorstTraceId = null, double WorstSampledMs = 0,
    TierConnections? Tiers = null);

/// <summary>Connected users by tier in one second, and the high tier's p99 then (what a surge's SLA is judged on).</summary>
public sealed record TierConnections(int High, int Normal, int Low, double HighP99Ms);
