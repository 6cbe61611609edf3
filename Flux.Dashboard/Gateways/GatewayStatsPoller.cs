using Flux.Protocol.Admin;
using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Options;

namespace Flux.Dashboard.Gateways;

/// <summary>Polls every gateway replica's GetStats once a second, for the live view's gateway table.</summary>
public sealed class GatewayStatsPoller(GrpcClientFactory clients, IOptions<DashboardOptions> options) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private IReadOnlyList<GatewayStatus> _gateways = [];

    public event Action? Changed;

    public IReadOnlyList<GatewayStatus> Gateways => _gateways;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            var polls = options.Value.Gateways.Select(name => PollAsync(name, stoppingToken));
            _gateways = await Task.WhenAll(polls).ConfigureAwait(false);
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
