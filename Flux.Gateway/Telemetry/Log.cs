using Microsoft.Extensions.Logging;

namespace Flux.Gateway.Telemetry;

/// <summary>Gateway log events. Never log a token or a message body.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId} closed by the server with {CloseCode} ({Reason})")]
    public static partial void ClosingConnection(ILogger logger, string connectionId, int closeCode, string reason);

    [LoggerMessage(2, LogLevel.Information, "Connection {ConnectionId} broke the protocol, closing with {CloseCode}: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string connectionId, int closeCode, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Connection {ConnectionId} is a slow consumer ({Frames} frames, {Bytes} bytes queued); closing with 4012")]
    public static partial void SlowConsumer(ILogger logger, string connectionId, int frames, long bytes);

    [LoggerMessage(4, LogLevel.Warning, "Publish to guild {Guild} failed: Redis is unavailable")]
    public static partial void PublishFailed(ILogger logger, string guild, Exception? exception);

    [LoggerMessage(5, LogLevel.Warning, "Shedding level {Level} ({Reason})")]
    public static partial void SheddingChanged(ILogger logger, int level, string reason);

    [LoggerMessage(6, LogLevel.Information, "Draining: closing {Connections} connections with 1001")]
    public static partial void Draining(ILogger logger, int connections);

    [LoggerMessage(7, LogLevel.Information, "Drained: {Closed} connections closed, {Frames} queued frames flushed")]
    public static partial void Drained(ILogger logger, int closed, long frames);

    [LoggerMessage(8, LogLevel.Warning, "Guild {Guild}: live message {Seq} arrived after {Last}; filling the gap from history")]
    public static partial void FillingGap(ILogger logger, string guild, long seq, long last);

    [LoggerMessage(9, LogLevel.Warning, "Guild {Guild}: history no longer holds {From}..{To}; members are told with a gap frame")]
    public static partial void HistoryGap(ILogger logger, string guild, long from, long to);

    [LoggerMessage(10, LogLevel.Error, "Connection {ConnectionId} failed")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "Redis connection lost ({FailureType}); sends answer 'unavailable' until it returns")]
    public static partial void RedisLost(ILogger logger, string failureType);

    [LoggerMessage(12, LogLevel.Information, "Redis connection restored; checking {Guilds} guilds for missed messages")]
    public static partial void RedisRestored(ILogger logger, int guilds);

    [LoggerMessage(13, LogLevel.Error, "Guild {Guild}: fan-out failed")]
    public static partial void FanoutFailed(ILogger logger, string guild, Exception exception);

    [LoggerMessage(14, LogLevel.Warning, "Guild {Guild}: Redis lost its state ({Why}; seq {Last} here, {Latest} in Redis); closing {Members} members with 4007")]
    public static partial void GuildReset(ILogger logger, string guild, long last, long latest, string why, int members);

    [LoggerMessage(24, LogLevel.Information, "Guild {Guild}: a late message or notice of an epoch this replica has left (seq {Seq}); ignored")]
    public static partial void LeftEpochMessage(ILogger logger, string guild, long seq);

    [LoggerMessage(15, LogLevel.Information, "Injecting GC pressure: {MegabytesPerSecond} MB/s for {Seconds} s")]
    public static partial void GcPressure(ILogger logger, double megabytesPerSecond, double seconds);

    [LoggerMessage(16, LogLevel.Warning, "Guild {Guild}: a message on its channel is not a Flux envelope; ignored")]
    public static partial void UnreadableEnvelope(ILogger logger, string guild);

    [LoggerMessage(17, LogLevel.Warning, "Connection {ConnectionId}: its session knew another epoch of guild {Guild}; closing with 4007")]
    public static partial void StaleSessionEpoch(ILogger logger, string connectionId, string guild);

    [LoggerMessage(18, LogLevel.Warning, "Shedding: connection {ConnectionId} holds {Bytes} of {Total} queued bytes; closing it with 4012 before shedding a tier")]
    public static partial void ShedHeaviest(ILogger logger, string connectionId, long bytes, long total);

    [LoggerMessage(19, LogLevel.Warning, "Admin call {Method} refused: {Reason}")]
    public static partial void AdminRefused(ILogger logger, string method, string reason);

    [LoggerMessage(20, LogLevel.Critical, "Killed by the admin InjectFault call (kill): exiting at once, without a drain")]
    public static partial void Killed(ILogger logger);

    [LoggerMessage(21, LogLevel.Warning, "Connection {ConnectionId}: Redis call failed during identify or resume ({Reason}); closing with 1011")]
    public static partial void BackplaneCallFailed(ILogger logger, string connectionId, string reason);

    [LoggerMessage(22, LogLevel.Error, "Guild {Guild}: could not check its state after a Redis reconnect ({Attempts} attempts); closing its members with 4007 rather than risk a silent loss")]
    public static partial void CatchUpFailed(ILogger logger, string guild, int attempts, Exception exception);

    [LoggerMessage(23, LogLevel.Critical, "Redis's maxmemory-policy is {Policy}: it may evict a guild's seq and epoch keys, and then the guild's seqs go back. The gateway tells the members (4007) when it sees that, but messages can be lost first. Set maxmemory-policy to noeviction")]
    public static partial void EvictingRedis(ILogger logger, string policy);

    [LoggerMessage(25, LogLevel.Information, "Readmission of the {Tier} tier is open: its rate reached the open rate, or it had limited for half the resume window")]
    public static partial void ReadmissionOpen(ILogger logger, string tier);
}
