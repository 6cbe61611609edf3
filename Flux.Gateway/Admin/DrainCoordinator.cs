using System.Diagnostics;
using Flux.Gateway.Connections;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Admin;

/// <summary>
/// Graceful drain, on SIGTERM or the admin call: stop accepting, let every send queue flush, close with 1001
/// so clients resume on another replica. Connections still open after the timeout are closed anyway.
/// </summary>
internal sealed class DrainCoordinator(ConnectionRegistry registry, GatewayCounters counters, IOptions<GatewayOptions> options, ILogger<DrainCoordinator> logger)
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task<(int Closed, long FramesFlushed)> DrainAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        _draining = true;
        var connections = registry.Snapshot().ToArray();
        long queued = connections.Sum(c => (long)c.QueuedFrames);
        long sentBefore = counters.FramesSent;
        Log.Draining(logger, connections.Length);
        foreach (var connection in connections)
        {
            connection.RequestClose(CloseCodes.Draining, "server draining; resume on another replica", flush: true);
        }

        var limit = timeout ?? TimeSpan.FromMilliseconds(options.Value.DrainTimeoutMs);
        var started = Stopwatch.GetTimestamp();
        while (registry.Count > 0 && Stopwatch.GetElapsedTime(started) < limit && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
        long flushed = Math.Min(queued, counters.FramesSent - sentBefore);
        Log.Drained(logger, connections.Length, flushed);
        return (connections.Length, flushed);
    }
}
