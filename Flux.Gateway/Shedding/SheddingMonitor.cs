using Flux.Gateway.Connections;
using Flux.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Shedding;

/// <summary>
/// Measures pressure on a fixed tick and lets the shedder act on it. When queued bytes would raise the level and
/// one connection holds most of them, that connection alone is closed (4012) first: one slow reader must not cost a
/// whole tier its connections.
/// </summary>
internal sealed class SheddingMonitor(LoadShedder shedder, ConnectionRegistry registry, GatewayMetrics metrics, Flux.ServiceDefaults.SchedulingProbe probe,
    IOptions<GatewayOptions> options, TimeProvider time, ILogger<SheddingMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.Shedding.CheckIntervalMs), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            // Kept in the metrics for the gauges and GetStats; the shedder acts on the fan-out lag.
            metrics.FanoutLag = metrics.TakeMaxFanoutLag();
            metrics.SchedulingLag = probe.TakeMax();
            long queued = metrics.QueuedBytes;
            // The scan over every connection runs only under byte pressure.
            if (queued >= options.Value.Shedding.Level1QueuedBytes && Heaviest() is { } heaviest && shedder.ShouldCloseHeaviest(queued, heaviest.QueuedBytes))
            {
                Log.ShedHeaviest(logger, heaviest.Id, heaviest.QueuedBytes, queued);
                heaviest.CloseAsSlowConsumer();
                continue; // its bytes are discarded; measure again next tick
            }
            shedder.Evaluate(queued, metrics.FanoutLag);
            shedder.ShedConnections(registry, metrics);
        }
    }

    private ClientSession? Heaviest()
    {
        ClientSession? heaviest = null;
        foreach (var connection in registry.Snapshot())
        {
            if (!connection.IsClosing && (heaviest is null || connection.QueuedBytes > heaviest.QueuedBytes)) heaviest = connection;
        }
        return heaviest;
    }
}
