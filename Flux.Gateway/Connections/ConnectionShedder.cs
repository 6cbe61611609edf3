using Flux.Gateway.Shedding;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Connections;

/// <summary>
/// Acts on this replica's connections as the <see cref="LoadShedder"/> decides: on a fixed tick it measures pressure
/// (queued bytes, the fan-out lag, and the path lag from its <see cref="PathProbe"/>), lets the shedder set its level,
/// and closes every connection of a tier that level sheds (1013). When queued bytes would raise the level and one
/// connection holds most of them, that connection alone is closed (4012) first: one slow reader must not cost a whole
/// tier its connections. The shedder decides; only this touches connections.
/// </summary>
internal sealed class ConnectionShedder(LoadShedder shedder, ConnectionRegistry registry, PathProbe pathProbe, GatewayMetrics metrics, Flux.ServiceDefaults.SchedulingProbe probe,
    IOptions<GatewayOptions> options, TimeProvider time, ILogger<ConnectionShedder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.Shedding.CheckIntervalMs), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            // Kept in the metrics for the gauges and GetStats; the shedder acts on the fan-out and path lags.
            metrics.FanoutLag = metrics.TakeMaxFanoutLag();
            metrics.PathLag = pathProbe.Check();
            metrics.SchedulingLag = probe.TakeMax();
            long queued = metrics.QueuedBytes;
            // The scan over every connection runs only under byte pressure.
            if (queued >= options.Value.Shedding.Level1QueuedBytes && Heaviest() is { } heaviest && shedder.ShouldCloseHeaviest(queued, heaviest.QueuedBytes))
            {
                Log.ShedHeaviest(logger, heaviest.Id, heaviest.QueuedBytes, queued);
                heaviest.CloseAsSlowConsumer();
                continue; // its bytes are discarded; measure again next tick
            }
            shedder.Evaluate(queued, metrics.FanoutLag, metrics.PathLag, registry.CountByTier());
            ShedTiers();
        }
    }

    /// <summary>Closes every open connection of a tier the shedder's level sheds. Returns how many.</summary>
    public int ShedTiers()
    {
        if (shedder.Level == 0) return 0;
        int shed = 0;
        foreach (var connection in registry.Snapshot())
        {
            if (connection.IsIdentified && !connection.IsClosing && shedder.Refuses(connection.Tier))
            {
                metrics.Shed(connection.Tier);
                connection.CloseAsShed(shedder.ClosedReason);
                shed++;
            }
        }
        return shed;
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
