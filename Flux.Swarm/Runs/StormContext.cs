using System.Diagnostics;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Swarm.Measurement;
using Flux.Swarm.Targets;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Runs;

/// <summary>
/// What every part of one run shares: the plan, the clock, the measurements and the targets. It sits below the parts
/// that use it (users, faults, the run itself), so they depend on it and never on each other's folders.
/// </summary>
internal sealed class StormContext
{
    public StormContext(string runId, StormPlan plan, IReadOnlyList<GatewayTarget> gateways, TokenIssuer tokens,
        SwarmMetrics metrics, ILogger logger, int seed, string? redis = null, ShardSpec? shard = null, long? startUnixMicroseconds = null,
        TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        Shard = shard ?? ShardSpec.Whole;
        RunId = runId;
        Plan = plan;
        Gateways = gateways;
        Tokens = tokens;
        Metrics = metrics;
        Logger = logger;
        Seed = seed;
        Redis = redis;
        Layout = GuildLayout.Create(plan, runId, new Random(seed));
        Ledger = new DeliveryLedger(Layout.GuildIds.Length, Shard.Index, Shard.Count);
        Receipts = new ReceiptBook(Shard.Index, Shard.Count);
        Clock = startUnixMicroseconds is { } start ? StormClock.AtUnixMicroseconds(start, Time) : new StormClock(Time);
        Dialect = PeerDialect.For(plan.Target);
        Faults = new FaultTimeline(plan.Faults);
        // One slot more than the plan's faults: the rate-limit breach a plan may be allowed to make.
        Effects = new EffectLedger(plan.Faults.Count + 1);
        Body = new string('x', plan.BodyBytes);
        Seal = new MessageSeal(runId, seed, plan.BodyBytes);
        Visitors = new VisitorBook(runId);
        Latency = [.. Enumerable.Range(0, CohortNames.Count).Select(_ => new LatencyHistogram())];
        // Without a surge the SLA is judged on every healthy user; during one, on the high tier only (see Judged), unless the
        // plan has no high-tier user: then on every healthy user throughout, or a surge would never be judged at all.
        SurgeJudgesHighTier = plan.Faults.Any(f => f.Kind == FaultKind.Surge) && Layout.UserTier.Contains(Tier.High);
        Judged = SurgeJudgesHighTier ? new LatencyHistogram() : Latency[(int)Cohort.Healthy];
    }

    public string RunId { get; }

    /// <summary>The run's time: every wait and every reading of the clock goes through it, so tests can drive it.</summary>
    public TimeProvider Time { get; }
    public StormPlan Plan { get; }
    public IReadOnlyList<GatewayTarget> Gateways { get; }
    public TokenIssuer Tokens { get; }
    public SwarmMetrics Metrics { get; }
    public ILogger Logger { get; }
    public int Seed { get; }

    /// <summary>The Redis backplane's connection string, when the swarm may reach it (the restart-redis fault needs it).</summary>
    public string? Redis { get; }

    public GuildLayout Layout { get; }
    public FaultTimeline Faults { get; }
    public EffectLedger Effects { get; }
    /// <summary>The body of every message to a peer (Flux's are sealed: <see cref="Seal"/>).</summary>
    public string Body { get; }

    /// <summary>How messages to Flux are sealed and checked (the same for every shard of the run).</summary>
    public MessageSeal Seal { get; }

    /// <summary>People who joined the run's guilds from the page; their messages are foreign to the swarm's books.</summary>
    public VisitorBook Visitors { get; }

    /// <summary>Senders whose messages reached a member out of the order they were sent, and how often.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<int, long> SenderOrderBreaks { get; } = new();
    public StormClock Clock { get; }
    public DeliveryLedger Ledger { get; }

    /// <summary>This process's part of the storm: shard 0 of 1 unless the storm is distributed.</summary>
    public ShardSpec Shard { get; }

    /// <summary>Other shards' messages that this shard's users received (empty unless the storm is distributed).</summary>
    public ReceiptBook Receipts { get; }

    /// <summary>How users speak to a peer target (SignalR, Socket.IO); null for Flux's own gateways.</summary>
    public PeerDialect? Dialect { get; }
    public StormCounters Counters { get; } = new();
    public GeneratorHealth Generator { get; } = new();

    /// <summary>Latency of every delivery, by the receiving user's cohort.</summary>
    public LatencyHistogram[] Latency { get; }

    /// <summary>Latency of deliveries to healthy users, by the receiving user's tier (<see cref="Flux.Protocol.Auth.Tier"/> as index).</summary>
    public LatencyHistogram[] TierLatency { get; } = [new(), new(), new()];

    /// <summary>The same, only for messages sent while a surge (or its recovery) was on.</summary>
    public LatencyHistogram[] TierSurgeLatency { get; } = [new(), new(), new()];

    /// <summary>
    /// What the SLA is judged on: deliveries to healthy users, except that a message sent during a surge (or its
    /// recovery) counts only if it went to a high-tier user. Overload may slow and shed the lower tiers; the high tier
    /// must keep its SLA. Without a surge in the plan, or without high-tier users in it, this is the healthy cohort's
    /// histogram itself.
    /// </summary>
    public LatencyHistogram Judged { get; }

    /// <summary>Whether a surge is judged on the high tier alone: the plan has a surge and high-tier users.</summary>
    public bool SurgeJudgesHighTier { get; }

    /// <summary>The worst delivery of each second that carried a trace.</summary>
    public WorstDelivery WorstSampled { get; } = new();

    /// <summary>The highest seq seen in each guild, per epoch.</summary>
    public GuildEpochs Epochs { get; } = new();

    /// <summary>The ledger slot of the plan's allowed rate-limit breach (see <see cref="StormPlan.AllowLimitBreach"/>).</summary>
    public int LimitBreachFault => Plan.Faults.Count;

    public ActivityContext StormTrace { get; set; }

    /// <summary>Cancelled when the run ends: users disconnect and stop reconnecting.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    /// <summary>The fault that explains something that happened to a user at <paramref name="second"/> (see <see cref="FaultTimeline.Explaining"/>).</summary>
    public int FaultFor(int pickedBy, double second, int gateway = -1) => Faults.Explaining(pickedBy, second, gateway);
}
