using System.ComponentModel.DataAnnotations;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Options;

namespace Flux.Gateway;

/// <summary>Settings of one gateway replica, bound from the <c>Gateway</c> configuration section and checked at start-up.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Sent in <c>hello</c>; a client that misses two intervals is closed with 4009.</summary>
    [Range(100, 600_000)]
    public int HeartbeatIntervalMs { get; set; } = 15_000;

    /// <summary>More heartbeats than this within one heartbeat interval close the connection with 4008.</summary>
    [Range(1, 1_000_000)]
    public int HeartbeatMaxPerInterval { get; set; } = 5;

    /// <summary>A new connection must send its whole upgrade request head this soon, or it is dropped.</summary>
    [Range(100, 600_000)]
    public int HandshakeTimeoutMs { get; set; } = 30_000;

    /// <summary>A client must identify or resume this soon after <c>hello</c>, or it is closed with 4003.</summary>
    [Range(100, 600_000)]
    public int IdentifyTimeoutMs { get; set; } = 10_000;

    /// <summary>Client frames above this size close the connection with 1009.</summary>
    [Range(256, 1 << 20)]
    public int MaxClientFrameBytes { get; set; } = ProtocolLimits.DefaultMaxClientFrameBytes;

    /// <summary>A client message split into more WebSocket frames than this closes the connection with 1009.</summary>
    [Range(1, 4_096)]
    public int MaxFragmentsPerMessage { get; set; } = 32;

    /// <summary>Send-queue bound in frames; overflow closes the connection with 4012.</summary>
    [Range(16, 1 << 20)]
    public int SendQueueMaxFrames { get; set; } = 4_096;

    /// <summary>Send-queue bound in bytes; overflow closes the connection with 4012.</summary>
    [Range(4_096, 1L << 32)]
    public long SendQueueMaxBytes { get; set; } = 1 << 20;

    /// <summary>The writer sends at most this many frames on the caller's thread before it hands the rest to a task.</summary>
    [Range(1, 4_096)]
    public int SendBatchMaxFrames { get; set; } = 64;

    /// <summary>The writer sends at most this many bytes on the caller's thread before it hands the rest to a task.</summary>
    [Range(1_024, 1 << 24)]
    public int SendBatchMaxBytes { get; set; } = 64 * 1024;

    /// <summary>How long a slow consumer's last write may take before its socket is aborted instead of closed with 4012.</summary>
    [Range(0, 600_000)]
    public int SlowConsumerCloseGraceMs { get; set; } = 10_000;

    /// <summary>
    /// After the gateway sends its close frame, how long it keeps reading (and discarding) what the client still sends,
    /// waiting for the client's close frame, before it closes the socket. Closing with unread input would reset the
    /// connection, and the client would lose the close frame.
    /// </summary>
    [Range(0, 60_000)]
    public int CloseGraceMs { get; set; } = 2_000;

    /// <summary>
    /// How long a send's publish may take before the sender is answered <c>unavailable</c> (not confirmed), whatever
    /// Redis or the client library is doing meanwhile: a dead shard's connect timeout, cluster redirections, a
    /// reconnect. Far above a healthy publish (about a millisecond here, under 100 ms at the p99 of an overloaded storm),
    /// and above the embedded Garnet's stalls under load (0.9–1.3 s, docs/benchmarks.md), which are slow, not down.
    /// </summary>
    [Range(100, 30_000)]
    public int PublishTimeoutMs { get; set; } = 1_500;

    /// <summary>More sends than this within <see cref="RateLimitWindowSeconds"/>, by one user on this replica, close the connection with 4008.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitSends { get; set; } = 120;

    [Range(1, 3_600)]
    public int RateLimitWindowSeconds { get; set; } = 60;

    /// <summary>How long after a disconnect a session can be resumed, on any replica.</summary>
    [Range(1, 86_400)]
    public int ResumeWindowSeconds { get; set; } = 60;

    /// <summary>Messages kept per guild in Redis for resume (at least this many; up to a sixteenth more before a trim).</summary>
    [Range(1, 1_000_000)]
    public int HistoryLength { get; set; } = 1_000;

    /// <summary>
    /// Every key of a guild (seq, epoch, top, history) expires this long after the guild was last in use: a message, or
    /// a member connected on any replica (each renews about hourly). A guild that expired starts a new epoch when it is
    /// used again, so nobody can take its new seqs for old ones.
    /// </summary>
    [Range(60, 365 * 86_400)]
    public int HistoryTtlSeconds { get; set; } = 7 * 86_400;

    /// <summary>
    /// How often a replica renews the expiry of each guild it serves: hourly, or a quarter of <see cref="HistoryTtlSeconds"/>
    /// when that is shorter, so that a guild in use is renewed well before its keys would expire.
    /// </summary>
    public TimeSpan GuildExpiryRenewInterval => TimeSpan.FromSeconds(Math.Min(3_600, HistoryTtlSeconds / 4.0));

    /// <summary>Resume replays history in chunks of this many messages, waiting for the queue to drain between chunks.</summary>
    [Range(1, 10_000)]
    public int ReplayChunk { get; set; } = 200;

    /// <summary>On drain (SIGTERM or the admin call), how long queues may take to flush before connections close anyway.</summary>
    [Range(0, 600_000)]
    public int DrainTimeoutMs { get; set; } = 10_000;

    /// <summary>
    /// How guild messages travel between replicas: <c>Classic</c> pub/sub (PUBLISH/SUBSCRIBE: every message reaches
    /// every node), <c>Sharded</c> (SPUBLISH/SSUBSCRIBE, Redis 7+: a message stays inside the shard that owns its guild),
    /// or <c>Auto</c>, the default: sharded when the connection is to a Redis Cluster, classic otherwise.
    /// </summary>
    public PubSubMode PubSub { get; set; } = PubSubMode.Auto;

    /// <summary>
    /// Start even when Redis's <c>maxmemory-policy</c> may evict keys (any policy but <c>noeviction</c>), with a critical warning; by
    /// default the gateway refuses to start then, because an evicted seq key makes a guild's seqs go back.
    /// </summary>
    public bool AllowEvictingRedis { get; set; }

    /// <summary>How long a guild stays subscribed after its last local member leaves, so reconnect storms do not churn.</summary>
    [Range(0, 3_600_000)]
    public int GuildIdleUnsubscribeMs { get; set; } = 30_000;

    [ValidateObjectMembers]
    public SheddingOptions Shedding { get; set; } = new();

    [ValidateObjectMembers]
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>The limits advertised in <c>hello</c>.</summary>
    public GatewayLimits Advertised() => new(RateLimitSends, RateLimitWindowSeconds, MaxClientFrameBytes, ProtocolLimits.MaxBodyChars,
        HeartbeatMaxPerInterval, Limits.MaxConnectionsPerUser);
}

/// <summary>See <see cref="GatewayOptions.PubSub"/>.</summary>
public enum PubSubMode { Auto, Classic, Sharded }

/// <summary>When the gateway sheds load. Level 1 sheds <c>low</c>; level 2 also sheds <c>normal</c>; <c>high</c> is never shed.</summary>
public sealed class SheddingOptions
{
    [Range(50, 60_000)]
    public int CheckIntervalMs { get; set; } = 250;

    /// <summary>Total bytes queued on this replica that start level 1.</summary>
    [Range(1, long.MaxValue)]
    public long Level1QueuedBytes { get; set; } = 64L << 20;

    /// <summary>Total bytes queued on this replica that start level 2.</summary>
    [Range(1, long.MaxValue)]
    public long Level2QueuedBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Fan-out lag that starts level 1: from when a message was published (by any replica) to when this replica handed
    /// it to its members' send queues, the worst of each check. Below the SLA's p99 (100 ms) plus a margin, so the high
    /// tier keeps its SLA while the low tier goes.
    /// </summary>
    [Range(1, 600_000)]
    public int Level1FanoutLagMs { get; set; } = 150;

    /// <summary>Fan-out lag that starts level 2.</summary>
    [Range(1, 600_000)]
    public int Level2FanoutLagMs { get; set; } = 500;

    /// <summary>
    /// Path lag that starts level 1: the 75th percentile of a round of probes' delays, each from being queued on a
    /// connection, behind its deliveries, to the client's answer, less that connection's fastest answer
    /// (docs/protocol.md, "Path probes"). It sees send queues, sockets and late readers, which the fan-out lag does
    /// not. A quarter of the deliveries that late already breaks the SLA's p95 (50 ms): shedding must start there.
    /// </summary>
    [Range(1, 600_000)]
    public int Level1PathLagMs { get; set; } = 50;

    /// <summary>
    /// Path lag that starts level 2 (path lag at level 1's threshold can also escalate to it: <see cref="PathLagEscalates"/>).
    /// Path lag raises level 2 only while <c>high</c> users are connected to the replica, and level 1 only while
    /// <c>normal</c> or <c>high</c> users are: shedding everyone serves no one.
    /// </summary>
    [Range(1, 600_000)]
    public int Level2PathLagMs { get; set; } = 200;

    /// <summary>
    /// Whether path lag still at level 1's threshold <see cref="RaiseAfterMs"/> after level 1 started escalates to level 2,
    /// as the fan-out lag does.
    /// </summary>
    public bool PathLagEscalates { get; set; } = true;

    /// <summary>The path lag must stay at a level's threshold for this long (each check reads one round of probes).</summary>
    [Range(0, 600_000)]
    public int PathLagRaiseAfterMs { get; set; } = 250;

    /// <summary>Connections probed at each check (picked at random among the identified ones); 0 turns path probes off.</summary>
    [Range(0, 10_000)]
    public int PathProbesPerCheck { get; set; } = 32;

    /// <summary>
    /// The fan-out lag must stay at a level's threshold for this long before that level starts: a GC pause or a burst
    /// is not overload. Queued bytes raise the level at once (they are memory).
    /// </summary>
    [Range(0, 600_000)]
    public int RaiseAfterMs { get; set; } = 1_000;

    /// <summary>Pressure must fall below this fraction of a level's thresholds for this long before the level drops.</summary>
    [Range(0.01, 1.0)]
    public double RecoverFraction { get; set; } = 0.5;

    [Range(0, 600_000)]
    public int RecoverAfterMs { get; set; } = 5_000;

    /// <summary>
    /// Identifies and resumes a second of a tier whose level has just fallen, at first: the tier comes back through a
    /// gate, not all at once (each user's resume replays what it missed). The rate doubles every second the replica
    /// stays calm, and halves at each check that is not. A gate limits at most half of <see cref="GatewayOptions.ResumeWindowSeconds"/>.
    /// </summary>
    [Range(1.0, 1_000_000.0)]
    public double ReadmitInitialPerSecond { get; set; } = 20;

    /// <summary>The gate admits, and its rate grows, only while every pressure is below this fraction of level 1's thresholds.</summary>
    [Range(0.01, 1.0)]
    public double ReadmitBelowFraction { get; set; } = 1.0;

    /// <summary>The rate at which the readmission gate opens. At or below the initial rate, a tier comes back at once.</summary>
    [Range(0.0, 1_000_000.0)]
    public double ReadmitOpenPerSecond { get; set; } = 1_000;

    /// <summary>
    /// When queued bytes would raise the level and one connection holds at least this share of them, that connection
    /// is closed as a slow consumer (4012) first, and the tier is shed only if the pressure stays.
    /// </summary>
    [Range(0.01, 1.0)]
    public double SingleConnectionShare { get; set; } = 0.5;
}

/// <summary>Limits per user and per client address on this replica (docs/protocol.md, "Limits").</summary>
public sealed class LimitsOptions
{
    /// <summary>Identified connections one user may hold on this replica; one more is closed with 4010.</summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerUser { get; set; } = 5;

    /// <summary>Open WebSockets from one client address; one more is closed with 4011. 0 turns the cap off.</summary>
    [Range(0, 10_000_000)]
    public int MaxConnectionsPerIp { get; set; } = 10_000;

    /// <summary>Identify and resume attempts one client address may make per second, on average; beyond it, close 4008.</summary>
    [Range(0.001, 1_000_000)]
    public double IdentifyPerIpPerSecond { get; set; } = 500;

    /// <summary>How many identify and resume attempts one client address may make at once, before the rate applies.</summary>
    [Range(1, 1_000_000)]
    public int IdentifyBurstPerIp { get; set; } = 2_000;

    /// <summary>Kestrel's cap on upgraded (WebSocket) connections for the whole replica; unset means no cap.</summary>
    [Range(1, 10_000_000)]
    public int? MaxConnections { get; set; }
}

/// <summary>Checks <see cref="GatewayOptions"/> and its nested options at start-up (the options validation source generator).</summary>
[OptionsValidator]
internal sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>;
