using Flux.Gateway.Fanout;

namespace Flux.Gateway.Connections;

/// <summary>
/// One timer for the whole replica instead of one per connection: once a second it closes connections that
/// missed their identify or heartbeat deadlines, and unsubscribes guilds that stayed empty.
/// </summary>
internal sealed class ConnectionSweeper(ConnectionRegistry registry, GuildDirectory guilds, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            long now = time.GetTimestamp();
            foreach (var connection in registry.Snapshot())
            {
                connection.CheckTimers(now);
            }
            guilds.SweepIdle();
        }
    }
}
