using Aspire.Hosting.Testing;
using StackExchange.Redis;

namespace Flux.AppHost.Tests;

/// <summary>Flux:Redis:Mode=cluster: the AppHost starts three redis-server masters, joins them, and Flux runs on them.</summary>
public sealed class ClusterModeTests(RedisClusterApp fixture) : IClassFixture<RedisClusterApp>
{
    [SkippableFact]
    public async Task The_redis_connection_string_names_three_masters_of_one_healthy_cluster()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        string connectionString = (await fixture.App.GetConnectionStringAsync("redis"))!;

        string[] nodes = connectionString.Split(',');
        Assert.Equal(3, nodes.Length);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            Assert.Equal(ServerType.Cluster, server.ServerType);
            Assert.False(server.IsReplica);
            Assert.Contains("cluster_state:ok", (await server.ExecuteAsync("CLUSTER", "INFO")).ToString(), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task A_smoke_storm_runs_on_the_cluster_with_its_guilds_spread_over_the_shards_and_nothing_lost()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync("swarm", "start-smoke-storm", timeout.Token);

        // Behaviour, not timing: the verdict may be an SLA breach on a busy machine, but nothing may be lost or repeated.
        string report = result.Data?.Value ?? "";
        Assert.Contains("| lost | 0 |", report);
        Assert.Contains("| duplicates | 0 |", report);
        Assert.Contains("| reordered | 0 |", report);
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await fixture.App.GetConnectionStringAsync("redis"))!);
        int shardsWithGuilds = 0;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var keys = redis.GetServer(endpoint).KeysAsync(pattern: "flux:guild:*:seq");
            await foreach (var _ in keys)
            {
                shardsWithGuilds++;
                break;
            }
        }
        Assert.True(shardsWithGuilds >= 2, $"the storm's guilds landed on {shardsWithGuilds} of 3 shards");
    }
}
