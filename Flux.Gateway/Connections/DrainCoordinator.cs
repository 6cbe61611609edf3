using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Connections;

/// <summary>
/// Graceful drain, on SIGTERM or the admin call: stop accepting (new upgrades get 503), let every send queue flush,
/// close with 1001 so clients resume on another replica. Connections still open after the timeout are aborted.
/// One-way: a drained replica does not return to service.
/// </summary>
internal sealed class DrainCoordinator(ConnectionRegistry registry, GatewayMetrics metrics, IOptions<GatewayOptions> options, TimeProvider time, ILogger<DrainCoordinator> logger)
{
    /// <summary>The reason sent with every drain's 1001.</summary>
    public const string CloseReason = "server draining; resume on another replica";

    private readonly Lock _gate = new();
    private Task<(int Closed, long FramesFlushed)>? _drain;

    public bool IsDraining => Volatile.Read(ref _drain) is not null;

    /// <summary>
    /// Starts the drain (once; later calls join it) and waits until every connection has closed, or
    /// <paramref name="timeout"/> (default <c>Gateway:DrainTimeoutMs</c>) has passed.
    /// </summary>
    public async Task<(int Closed, long FramesFlushed)> DrainAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Task<(int, long)> drain;
        lock (_gate) drain = _drain ??= RunAsync();
        var limit = timeout ?? TimeSpan.FromMilliseconds(options.Value.DrainTimeoutMs);
        try
        {
            return await drain.WaitAsync(limit, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return (registry.Count, -1);
        }
    }

    private async Task<(int Closed, long FramesFlushed)> RunAsync()
    {
        // A connection that registers after the snapshot below closes itself (ClientSession.RunAsync).
        registry.CloseToNewConnections();
        var connections = registry.Snapshot().ToArray();
        long queued = connections.Sum(c => (long)c.QueuedFrames);
        long sentBefore = metrics.FramesSent;
        Log.Draining(logger, connections.Length);
        foreach (var connection in connections)
        {
            connection.CloseAfterFlush(CloseCodes.Draining, CloseReason);
        }
        // Each connection aborts by itself if its close does not complete in DrainTimeoutMs + 5 s.
        await registry.WhenEmptyAsync().ConfigureAwait(false);
        long flushed = Math.Min(queued, metrics.FramesSent - sentBefore);
        Log.Drained(logger, connections.Length, flushed);
        return (connections.Length, flushed);
    }
}

/// <summary>
/// Drains on SIGTERM before Kestrel stops listening: the host runs every <c>StoppingAsync</c> before any hosted
/// service (the web server included) stops, so during the drain new upgrades are still answered (503, Retry-After)
/// instead of refused by a closed port.
/// </summary>
internal sealed class DrainOnShutdown(DrainCoordinator drain, IOptions<GatewayOptions> options) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) =>
        drain.DrainAsync(TimeSpan.FromMilliseconds(options.Value.DrainTimeoutMs + 5_000), cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
