using Flux.Gateway.Fanout;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Connections;

/// <summary>
/// One timer for the whole replica instead of one per connection: once a second it closes connections that
/// missed their identify or heartbeat deadlines and unsubscribes guilds that stayed empty; every half resume
/// window it renews the sessions of the connections that are up.
/// </summary>
internal sealed class ConnectionSweeper(ConnectionRegistry registry, GuildDirectory guilds, IOptions<GatewayOptions> options, TimeProvider time)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var sessionRenewal = TimeSpan.FromSeconds(options.Value.ResumeWindowSeconds / 2.0);
        long renewedAt = time.GetTimestamp();
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            long now = time.GetTimestamp();
            bool renew = time.GetElapsedTime(renewedAt, now) >= sessionRenewal;
            if (renew) renewedAt = now;
            foreach (var connection in registry.Snapshot())
            {
                connection.CheckTimers(now);
                if (renew) connection.KeepSessionAlive();
            }
            guilds.SweepIdle();
        }
    }
}
