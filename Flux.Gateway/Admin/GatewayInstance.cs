using System.Diagnostics;

namespace Flux.Gateway.Admin;

/// <summary>This replica's name for stats: its Aspire resource name when it has one, else host and process id.</summary>
internal sealed class GatewayInstance(IConfiguration configuration)
{
    public string Name { get; } = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name && name != "Flux.Gateway"
        ? $"{name} (pid {Environment.ProcessId})"
        : $"{Environment.MachineName}:{Environment.ProcessId}";

    public long StartedAt { get; } = Stopwatch.GetTimestamp();
}
