namespace Flux.Swarm.Telemetry;

/// <summary>Swarm log events.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Storm {RunId} ({Scenario}) starting: {Users} users, {Guilds} guilds, {Rate} msg/s on {Gateways} gateways")]
    public static partial void StormStarting(ILogger logger, string runId, string scenario, int users, int guilds, double rate, int gateways);

    [LoggerMessage(2, LogLevel.Information, "Storm {RunId} is {Phase}")]
    public static partial void StormPhase(ILogger logger, string runId, string phase);

    [LoggerMessage(3, LogLevel.Warning, "Storm {RunId}: SLA alert: {Message}")]
    public static partial void SlaAlert(ILogger logger, string runId, string message);

    [LoggerMessage(4, LogLevel.Information, "Storm {RunId}: fault {Fault} starting")]
    public static partial void FaultStarting(ILogger logger, string runId, string fault);

    [LoggerMessage(5, LogLevel.Warning, "Storm {RunId}: fault {Fault} could not be injected: {Reason}")]
    public static partial void FaultFailed(ILogger logger, string runId, string fault, string reason);

    [LoggerMessage(6, LogLevel.Information, "Storm {RunId} finished: {Verdict}")]
    public static partial void StormFinished(ILogger logger, string runId, string verdict);

    [LoggerMessage(7, LogLevel.Error, "Storm {RunId} failed")]
    public static partial void StormFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(8, LogLevel.Debug, "User {User} disconnected ({Reason}); reconnecting")]
    public static partial void UserDisconnected(ILogger logger, string user, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Storm {RunId}: Redis restarted and came back {How}")]
    public static partial void RedisRestarted(ILogger logger, string runId, string how);

    [LoggerMessage(10, LogLevel.Information, "Warmed up in {Seconds:0.#} s ({Delivered} deliveries through the gateways); storms may start")]
    public static partial void WarmedUp(ILogger logger, double seconds, long delivered);

    [LoggerMessage(11, LogLevel.Warning, "The warm-up storm did not run ({Reason}); the first storm will pay for a cold start")]
    public static partial void WarmUpFailed(ILogger logger, string reason);

    [LoggerMessage(12, LogLevel.Warning, "gRPC call {Method} refused: {Reason}")]
    public static partial void SwarmCallRefused(ILogger logger, string method, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Swarm agent {Agent} is reached over plain http off this machine (Swarm:AllowInsecureAgents): its key and the storm cross the network in clear")]
    public static partial void InsecureAgent(ILogger logger, string agent);
}
