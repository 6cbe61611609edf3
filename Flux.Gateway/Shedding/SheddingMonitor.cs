using Flux.Gateway.Connections;
using Flux.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Shedding;

/// <summary>Measures pressure on a fixed tick and lets the shedder act on it.</summary>
internal sealed class SheddingMonitor(LoadShedder shedder, ConnectionRegistry registry, GatewayCounters counters,
    GatewayMetrics metrics, IOptions<GatewayOptions> options, TimeProvider time) : BackgroundService
{
    /// <summary>The fan-out lag measured over the last tick.</summary>
    public TimeSpan LastFanoutLag { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.Shedding.CheckIntervalMs), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            LastFanoutLag = shedder.TakeFanoutLag();
            shedder.Evaluate(counters.QueuedBytes, LastFanoutLag);
            shedder.ShedConnections(registry, metrics);
        }
    }
}
