using Flux.Gateway.Fanout;
using Flux.Gateway.Limits;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Connections;

/// <summary>
/// One timer for the whole replica instead of one per connection: once a second it closes connections that
/// missed their identify or heartbeat deadlines and unsubscribes guilds that stayed empty. It also renews the
/// sessions of the connections that are up, each once per half resume window, spread over that interval so that
/// 10,000 connections mean a few hundred renewals a second rather than 10,000 at once. And it forgets the per-user
/// and per-address limits that nothing holds any more.
/// </summary>
internal sealed class ConnectionSweeper(ConnectionRegistry registry, GuildDirectory guilds, ClientLimits limits, IOptions<GatewayOptions> options, TimeProvider time)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        // Each connection renews on the tick matching its slot: once per half window (at least every second tick).
        uint slots = (uint)Math.Max(1, options.Value.ResumeWindowSeconds / 2);
        uint tick = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            long now = time.GetTimestamp();
            uint slot = tick++ % slots;
            foreach (var connection in registry.Snapshot())
            {
                connection.CheckTimers(now);
                if ((uint)connection.Id.GetHashCode() % slots == slot) connection.KeepSessionAlive();
            }
            guilds.SweepIdle();
            limits.Sweep();
        }
    }
}
