using Microsoft.Extensions.Logging;

namespace Flux.Gateway.Telemetry;

/// <summary>Gateway log events. Never log a token or a message body.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId} closed by the server with {CloseCode} ({Reason})")]
    public static partial void ClosingConnection(ILogger logger, string connectionId, int closeCode, string reason);

    [LoggerMessage(2, LogLevel.Information, "Connection {ConnectionId} broke the protocol, closing with {CloseCode}: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string connectionId, int closeCode, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Connection {ConnectionId} of {User} is a slow consumer ({Frames} frames, {Bytes} bytes queued); closing with 4012")]
    public static partial void SlowConsumer(ILogger logger, string connectionId, string user, int frames, long bytes);

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

    [LoggerMessage(14, LogLevel.Warning, "Guild {Guild}: Redis seq fell from {Last} to {Latest}; its state was lost, closing {Members} members with 4007")]
    public static partial void GuildReset(ILogger logger, string guild, long last, long latest, int members);

    [LoggerMessage(15, LogLevel.Information, "Injecting GC pressure: {MegabytesPerSecond} MB/s for {Seconds} s")]
    public static partial void GcPressure(ILogger logger, double megabytesPerSecond, double seconds);
}
