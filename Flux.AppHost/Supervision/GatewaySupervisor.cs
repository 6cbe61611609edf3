using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flux.AppHost.Supervision;

/// <summary>
/// Restarts a gateway whose process ended with a failure (a crash, or the storm's kill-gateway fault), the way
/// systemd's <c>Restart=on-failure</c> or a Kubernetes liveness restart would: DCP by itself leaves a dead process
/// dead. A gateway that exits cleanly (exit code 0: stopped from the Aspire dashboard, or drained) stays down. Restarts
/// of one gateway are at least <see cref="MinInterval"/> apart, so a gateway that cannot start does not spin.
/// </summary>
internal sealed class GatewaySupervisor(
    IReadOnlySet<string> gateways,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    ILogger<GatewaySupervisor> logger) : BackgroundService
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, DateTimeOffset> _lastRestart = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _lastState = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!gateways.Contains(update.Resource.Name)) continue;
                string? state = update.Snapshot.State?.Text;
                string? previous = _lastState.GetValueOrDefault(update.ResourceId);
                _lastState[update.ResourceId] = state;
                bool died = state is "Exited" or "Finished" && previous is not ("Exited" or "Finished");
                if (!died || update.Snapshot.ExitCode is null or 0 || lifetime.ApplicationStopping.IsCancellationRequested) continue;
                _ = RestartAsync(update.ResourceId, update.Snapshot.ExitCode.Value, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RestartAsync(string resourceId, int exitCode, CancellationToken stoppingToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (_lastRestart.TryGetValue(resourceId, out var last) && now - last < MinInterval)
        {
            await Task.Delay(MinInterval - (now - last), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        if (stoppingToken.IsCancellationRequested) return;
        _lastRestart[resourceId] = DateTimeOffset.UtcNow;
        logger.LogWarning("Gateway {Resource} exited with code {ExitCode}; starting it again", resourceId, exitCode);
        var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, stoppingToken).ConfigureAwait(false);
        if (!result.Success) logger.LogError("Gateway {Resource} could not be started again: {Message}", resourceId, result.Message);
    }
}

internal static class GatewaySupervisorExtensions
{
    /// <summary>Restarts these gateways whenever their process fails (see <see cref="GatewaySupervisor"/>).</summary>
    public static void SuperviseGateways(this IDistributedApplicationBuilder builder, IEnumerable<IResourceBuilder<ProjectResource>> gateways)
    {
        var names = gateways.Select(g => g.Resource.Name).ToHashSet(StringComparer.Ordinal);
        builder.Services.AddHostedService(sp => new GatewaySupervisor(names,
            sp.GetRequiredService<ResourceNotificationService>(), sp.GetRequiredService<ResourceCommandService>(),
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<GatewaySupervisor>>()));
    }
}
