using Flux.Protocol.Storms;
using Flux.Swarm.Runs;
using Flux.Testing;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>
/// The swarm drives the peers of bench/peers (two replicas each, one real redis-server) with their own protocols, and
/// accounts for every message by nonce: this keeps the drivers from rotting. Behaviour only: deliveries counted,
/// nothing lost or duplicated, order kept per sender. Latency is not asserted; it depends on the machine.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class PeerStormTests(ITestOutputHelper output)
{
    // 60 users in 3 guilds of 20 at 60 msg/s (1 msg/s each): 2 s ramp, 6 s steady, no faults.
    private static readonly StormPlan Plan = new()
    {
        Scenario = "peer-check",
        Users = 60,
        Guilds = 3,
        Rate = 60,
        Ramp = 2,
        Duration = 6,
    };

    [SkippableTheory]
    [InlineData(PeerKind.SignalR, TargetKind.SignalR)]
    [InlineData(PeerKind.SocketIo, TargetKind.SocketIo)]
    public async Task A_short_storm_against_two_replicas_of_a_peer_delivers_every_message_once(PeerKind kind, TargetKind target)
    {
        Skip.If(!RedisServerProcess.IsRedisServerInstalled && Environment.GetEnvironmentVariable("FLUX_REQUIRE_REDIS_SERVER") != "1",
            "redis-server is not installed (CI installs it and sets FLUX_REQUIRE_REDIS_SERVER=1)");
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Server, persistent: false);
        await using var first = await PeerServerProcess.StartAsync(kind, redis.ConnectionString);
        await using var second = await PeerServerProcess.StartAsync(kind, redis.ConnectionString);
        GatewayTarget[] targets = [new("peer 0", first.ServerUri, null), new("peer 1", second.ServerUri, null)];

        var report = await InProcessStorm.RunAsync(Plan with { Target = target }, targets, output);

        string context = $"{first.Output}{second.Output}";
        Assert.Equal(target.ToWire(), report.Target);
        Assert.True(report.Sent > 200, $"only {report.Sent} messages were sent of about 480 planned; {context}");
        Assert.True(report.Delivered > 0, $"nothing was delivered; {context}");
        Assert.Equal((0L, 0L, 0L, 0L), (report.Lost, report.Duplicates, report.Reordered, report.UnexpectedDisconnects));
        // Everything sent after a user's join reached it; messages in flight at a join may come too, never fewer.
        Assert.True(report.Delivered >= report.ExpectedDeliveries, $"{report.Delivered} delivered of {report.ExpectedDeliveries} expected");
        // Guilds of 20: most messages reach their 20 members, across both replicas, the sender's own copy included.
        Assert.True(report.Delivered > report.Sent * 15, $"{report.Delivered} deliveries for {report.Sent} sends in guilds of 20");
    }
}
