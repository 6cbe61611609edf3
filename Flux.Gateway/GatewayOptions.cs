using System.ComponentModel.DataAnnotations;
using Flux.Protocol.Wire;

namespace Flux.Gateway;

/// <summary>Settings of one gateway replica, bound from the <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Sent in <c>hello</c>; a client that misses two intervals is closed with 4009.</summary>
    [Range(100, 600_000)]
    public int HeartbeatIntervalMs { get; set; } = 15_000;

    /// <summary>A client must identify or resume this soon after <c>hello</c>, or it is closed with 4003.</summary>
    [Range(100, 600_000)]
    public int IdentifyTimeoutMs { get; set; } = 10_000;

    /// <summary>Client frames above this size close the connection with 1009.</summary>
    [Range(256, 1 << 20)]
    public int MaxClientFrameBytes { get; set; } = ProtocolLimits.DefaultMaxClientFrameBytes;

    /// <summary>Send-queue bound in frames; overflow closes the connection with 4012.</summary>
    [Range(16, 1 << 20)]
    public int SendQueueMaxFrames { get; set; } = 4_096;

    /// <summary>Send-queue bound in bytes; overflow closes the connection with 4012.</summary>
    [Range(4_096, 1L << 32)]
    public long SendQueueMaxBytes { get; set; } = 1 << 20;

    /// <summary>The writer loop sends at most this many frames before it flushes.</summary>
    [Range(1, 4_096)]
    public int SendBatchMaxFrames { get; set; } = 64;

    /// <summary>The writer loop sends at most this many bytes before it flushes.</summary>
    [Range(1_024, 1 << 24)]
    public int SendBatchMaxBytes { get; set; } = 64 * 1024;

    /// <summary>How long a slow consumer's last write may take before its socket is aborted instead of closed with 4012.</summary>
    [Range(0, 600_000)]
    public int SlowConsumerCloseGraceMs { get; set; } = 10_000;

    /// <summary>More sends than this within <see cref="RateLimitWindowSeconds"/> close the connection with 4008.</summary>
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

    /// <summary>A guild's history expires after this long without a message (within an hour); its seq counter never does.</summary>
    [Range(60, 365 * 86_400)]
    public int HistoryTtlSeconds { get; set; } = 7 * 86_400;

    /// <summary>Resume replays history in chunks of this many messages, waiting for the queue to drain between chunks.</summary>
    [Range(1, 10_000)]
    public int ReplayChunk { get; set; } = 200;

    /// <summary>On drain (SIGTERM or the admin call), how long queues may take to flush before connections close anyway.</summary>
    [Range(0, 600_000)]
    public int DrainTimeoutMs { get; set; } = 10_000;

    /// <summary>How long a guild stays subscribed after its last local member leaves, so reconnect storms do not churn.</summary>
    [Range(0, 3_600_000)]
    public int GuildIdleUnsubscribeMs { get; set; } = 30_000;

    public SheddingOptions Shedding { get; set; } = new();
}

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

    /// <summary>Fan-out lag (Redis receive to socket write) that starts level 1.</summary>
    [Range(1, 600_000)]
    public int Level1FanoutLagMs { get; set; } = 500;

    /// <summary>Fan-out lag that starts level 2.</summary>
    [Range(1, 600_000)]
    public int Level2FanoutLagMs { get; set; } = 2_000;

    /// <summary>Pressure must fall below this fraction of a level's thresholds for this long before the level drops.</summary>
    [Range(0.01, 1.0)]
    public double RecoverFraction { get; set; } = 0.5;

    [Range(0, 600_000)]
    public int RecoverAfterMs { get; set; } = 5_000;
}
