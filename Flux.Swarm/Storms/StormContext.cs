using System.Diagnostics;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Swarm.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Telemetry;
using Flux.Swarm.Users;

namespace Flux.Swarm.Storms;

/// <summary>What every part of one run shares: the plan, the clock, the measurements and the targets.</summary>
internal sealed class StormContext
{
    public StormContext(string runId, StormPlan plan, IReadOnlyList<GatewayTarget> gateways, TokenIssuer tokens,
        SwarmMetrics metrics, ILogger logger, int seed)
    {
        RunId = runId;
        Plan = plan;
        Gateways = gateways;
        Tokens = tokens;
        Metrics = metrics;
        Logger = logger;
        Seed = seed;
        Layout = GuildLayout.Create(plan, runId, new Random(seed));
        Faults = new FaultTimeline(plan.Faults);
        Effects = new FaultEffects(plan.Faults.Count);
        Body = new string('x', plan.BodyBytes);
        GuildMaxSeq = new long[plan.Guilds];
    }

    public string RunId { get; }
    public StormPlan Plan { get; }
    public IReadOnlyList<GatewayTarget> Gateways { get; }
    public TokenIssuer Tokens { get; }
    public SwarmMetrics Metrics { get; }
    public ILogger Logger { get; }
    public int Seed { get; }
    public GuildLayout Layout { get; }
    public FaultTimeline Faults { get; }
    public FaultEffects Effects { get; }
    public string Body { get; }
    public StormClock Clock { get; } = new();
    public DeliveryLedger Ledger { get; } = new();
    public StormCounters Counters { get; } = new();
    public GeneratorHealth Generator { get; } = new();
    public HeartbeatWheel Heartbeats { get; } = new();

    /// <summary>Latency of every delivery, by the receiving user's cohort.</summary>
    public LatencyHistogram[] Latency { get; } = [new(), new(), new()];

    /// <summary>The highest seq seen in each guild.</summary>
    public long[] GuildMaxSeq { get; }

    /// <summary>Set once a drain fault has started: 1001 closes are then expected.</summary>
    public bool DrainStarted { get; set; }

    public ActivityContext StormTrace { get; set; }

    /// <summary>Cancelled when the run ends: users disconnect and stop reconnecting.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    public int ActiveFault => Faults.ActiveAt(Clock.NowSeconds);

    public void ObserveSeq(int guild, long seq)
    {
        long current = Volatile.Read(ref GuildMaxSeq[guild]);
        while (seq > current)
        {
            long seen = Interlocked.CompareExchange(ref GuildMaxSeq[guild], seq, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
