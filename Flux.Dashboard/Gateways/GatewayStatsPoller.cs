using Flux.Protocol.Admin;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Options;

namespace Flux.Dashboard.Gateways;

/// <summary>
/// Polls every gateway replica's GetStats once a second, for the live view's gateway table, and keeps the last
/// <see cref="HistorySeconds"/> of each replica's shedding level for its chart.
/// </summary>
public sealed class GatewayStatsPoller(GrpcClientFactory clients, IOptions<DashboardOptions> options, TimeProvider time) : BackgroundService
{
    /// <summary>How far back the shedding history goes: longer than the longest storm anyone watches live.</summary>
    public const int HistorySeconds = 3_600;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly Queue<SheddingSample> _history = new();
    private readonly Lock _historyGate = new();
    private IReadOnlyList<GatewayStatus> _gateways = [];

    public event Action? Changed;

    public IReadOnlyList<GatewayStatus> Gateways => _gateways;

    /// <summary>Every replica's shedding level, once a second, oldest first (an unreachable replica is left out).</summary>
    public IReadOnlyList<SheddingSample> SheddingSince(long unixMs)
    {
        lock (_historyGate) return [.. _history.Where(s => s.UnixMs >= unixMs)];
    }

    private void Remember(IReadOnlyList<GatewayStatus> gateways)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_historyGate)
        {
            foreach (var gateway in gateways)
            {
                if (gateway.Stats is { } stats) _history.Enqueue(new SheddingSample(now, gateway.Name, stats.Shedding?.Level ?? 0));
            }
            while (_history.Count > 0 && _history.Peek().UnixMs < now - HistorySeconds * 1000L) _history.Dequeue();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            var polls = options.Value.Gateways.Select(name => PollAsync(name, stoppingToken));
            _gateways = await Task.WhenAll(polls).ConfigureAwait(false);
            Remember(_gateways);
            Changed?.Invoke();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<GatewayStatus> PollAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var client = clients.CreateClient<GatewayAdmin.GatewayAdminClient>(name);
            var stats = await client.GetStatsAsync(new GetStatsRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
            return new GatewayStatus(name, stats, null);
        }
        catch (RpcException ex)
        {
            return new GatewayStatus(name, null, ex.Status.Detail is { Length: > 0 } detail ? detail : ex.StatusCode.ToString());
        }
    }
}

/// <summary>One replica's latest stats, or why they could not be read.</summary>
public sealed record GatewayStatus(string Name, GatewayStats? Stats, string? Error);

/// <summary>A replica's shedding level (0 none, 1 low shed, 2 normal shed too) at a moment.</summary>
public sealed record SheddingSample(long UnixMs, string Gateway, int Level);
