using System.Diagnostics;

namespace Flux.Gateway.Admin;

/// <summary>This replica's name for stats (its Aspire resource name when it has one, else host and process id) and its age.</summary>
internal sealed class GatewayInstance(IConfiguration configuration, TimeProvider time)
{
    private readonly DateTimeOffset _processStarted = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public string Name { get; } = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name && name != "Flux.Gateway"
        ? $"{name} (pid {Environment.ProcessId})"
        : $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Time since the gateway process started.</summary>
    public TimeSpan Uptime => time.GetUtcNow() - _processStarted;
}
