using System.Diagnostics;
using Flux.Protocol.Wire;
using Flux.Testing;
using StackExchange.Redis;

namespace Flux.Gateway.Tests.Cluster;

/// <summary>
/// Flux on a real Redis Cluster of three redis-server masters: each guild's seq, history, epoch and channel share one
/// slot (the guild is their hash tag), messages travel on sharded pub/sub inside that shard, and a shard that goes down
/// or comes back empty affects its own guilds only, and never silently.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterBackplaneTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // The test clients send no heartbeats; a shard's outage must not close them for that.
    private static readonly Dictionary<string, string?> QuietClients = new() { ["Gateway:HeartbeatIntervalMs"] = "600000" };

    [SkippableFact]
    public async Task A_guild_on_each_shard_fans_out_in_seq_order_to_members_on_two_gateways_over_sharded_pub_sub()
    {
        await using var cluster = await StartClusterAsync();
        await using var gateway1 = await GatewayTestHost.StartAsync(cluster.ConnectionString, QuietClients);
        await using var gateway2 = await GatewayTestHost.StartAsync(cluster.ConnectionString, QuietClients);
        var guilds = await GuildPerShardAsync(cluster);

        foreach (var (guild, shard) in guilds)
        {
            await using var alice = await TestClient.IdentifyAsync(gateway1.WebSocketUri, TestKeys.Token("alice", guild));
            await using var bob = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("bob", guild));
            for (int i = 0; i < 10; i++) await (i % 2 == 0 ? alice : bob).SendMessageAsync(guild, $"m-{i}");

            long[] expected = [.. Enumerable.Range(1, 10).Select(i => (long)i)];
            Assert.Equal(expected, (await FanoutTests.ReceiveMessagesAsync(alice, 10)).Select(f => f.Seq));
            Assert.Equal(expected, (await FanoutTests.ReceiveMessagesAsync(bob, 10)).Select(f => f.Seq));

            // Both gateways listen on the guild's shard channel, on the node that owns the guild; nobody on a classic channel.
            await using var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{cluster.Ports[shard]}");
            var server = admin.GetServer("127.0.0.1", cluster.Ports[shard]);
            var sharded = (RedisResult[])(await server.ExecuteAsync("PUBSUB", "SHARDNUMSUB", $"flux:guild:{{{guild}}}:messages"))!;
            Assert.Equal(2, (long)sharded[1]);
            var classic = (RedisResult[])(await server.ExecuteAsync("PUBSUB", "NUMSUB", $"flux:guild:{guild}"))!;
            Assert.Equal(0, (long)classic[1]);
        }
    }

    [SkippableFact]
    public async Task A_shard_down_refuses_only_its_guilds_sends_and_restarted_empty_closes_only_its_members_with_4007()
    {
        await using var cluster = await StartClusterAsync();
        await using var gateway1 = await GatewayTestHost.StartAsync(cluster.ConnectionString, QuietClients);
        await using var gateway2 = await GatewayTestHost.StartAsync(cluster.ConnectionString, QuietClients);
        var guilds = await GuildPerShardAsync(cluster);
        var (lost, lostShard) = guilds[0];
        var (kept, _) = guilds[1];
        await using var alice = await TestClient.IdentifyAsync(gateway1.WebSocketUri, TestKeys.Token("alice", lost, kept));
        await using var bob = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("bob", lost, kept));
        await using var carol = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("carol", kept));
        for (int i = 0; i < 3; i++) await alice.SendMessageAsync(lost, $"before-{i}");
        await FanoutTests.ReceiveMessagesAsync(bob, 3);
        await FanoutTests.ReceiveMessagesAsync(alice, 3);

        await cluster.StopNodeAsync(lostShard);

        // The guild whose shard is down cannot take a message, and says so; the other guild carries on.
        await alice.SendMessageAsync(lost, "while-down");
        var refused = await alice.ReceiveUntilAsync(f => f.Op == ServerOp.Error, TimeSpan.FromSeconds(20));
        Assert.Equal(ErrorCodes.Unavailable, refused[^1].Code);
        Assert.Equal("while-down", refused[^1].Nonce);
        await carol.SendMessageAsync(kept, "kept-1");
        foreach (var member in new[] { alice, bob, carol })
        {
            var frames = await member.ReceiveUntilAsync(f => f.Op == ServerOp.Message && f.Guild == kept, TimeSpan.FromSeconds(20));
            Assert.Equal(1, frames[^1].Seq);
        }

        // The shard comes back empty: the lost guild's seqs would start over, so its members are closed with 4007.
        await cluster.StartNodeAsync(lostShard);
        foreach (var member in new[] { alice, bob })
        {
            var (code, _, frames) = await member.ReceiveCloseAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(CloseCodes.InvalidSession, code);
            Assert.DoesNotContain(frames, f => f.Op == ServerOp.Message && f.Guild == lost);
        }
        // Carol, only in the guild whose shard stayed up, is untouched and still receives.
        await using var dave = await TestClient.IdentifyAsync(gateway1.WebSocketUri, TestKeys.Token("dave", kept));
        await dave.SendMessageAsync(kept, "kept-2");
        Assert.Equal(2, (await carol.ReceiveUntilAsync(f => f.Op == ServerOp.Message, TimeSpan.FromSeconds(20)))[^1].Seq);
    }

    [SkippableFact]
    public async Task Every_send_to_a_shard_that_just_died_is_answered_unavailable_well_before_the_command_timeout()
    {
        await using var cluster = await StartClusterAsync();
        await using var gateway1 = await GatewayTestHost.StartAsync(cluster.ConnectionString, QuietClients);
        await using var gateway2 = await GatewayTestHost.StartAsync(cluster.ConnectionString, QuietClients);
        var guilds = await GuildPerShardAsync(cluster);
        var (dead, deadShard) = guilds[0];
        var (alive, _) = guilds[1];
        await using var alice = await TestClient.IdentifyAsync(gateway1.WebSocketUri, TestKeys.Token("alice", dead, alive));
        await using var bob = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("bob", dead, alive));
        await alice.SendMessageAsync(dead, "before");
        await bob.ReceiveUntilAsync(f => f.Op == ServerOp.Message && f.Guild == dead, TimeSpan.FromSeconds(10));

        await cluster.StopNodeAsync(deadShard);
        var killed = Stopwatch.StartNew();

        // Sends from 0.5 s to 6 s after the kill, from both gateways: whatever the client library is doing then
        // (noticing the dead socket, reconnecting with its connect timeout, refreshing the cluster's slot map), each
        // sender hears that its message was not confirmed by the publish deadline (1.5 s), not the Redis client's command
        // timeout (5 s). The bound is 3 s: the gateways run in this test process, beside other test classes, and on two
        // busy cores the deadline's timer was seen firing 0.8 s late (an answer after 2.27 s).
        var answers = new List<string>();
        for (int i = 0; i < 12; i++)
        {
            var due = TimeSpan.FromMilliseconds(500 + i * 500);
            if (killed.Elapsed < due) await Task.Delay(due - killed.Elapsed);
            var sender = i % 2 == 0 ? alice : bob;
            string nonce = $"dead-{i}";
            var sent = killed.Elapsed;
            await sender.SendMessageAsync(dead, nonce);
            var frames = await sender.ReceiveUntilAsync(f => f.Nonce == nonce && f.Op is ServerOp.Error or ServerOp.Message, TimeSpan.FromSeconds(15));
            var answeredAfter = killed.Elapsed - sent;
            answers.Add($"{nonce} sent at {sent.TotalSeconds:0.00} s: {frames[^1].Op} {frames[^1].Code} after {answeredAfter.TotalMilliseconds:0} ms");
            Assert.True(frames[^1].Op == ServerOp.Error && frames[^1].Code == ErrorCodes.Unavailable, string.Join("\n", answers));
            Assert.True(answeredAfter < TimeSpan.FromSeconds(3), string.Join("\n", answers));
        }

        foreach (string answer in answers) output.WriteLine(answer);

        // The other shards carried on meanwhile.
        await bob.SendMessageAsync(alive, "alive-1");
        var delivered = await alice.ReceiveUntilAsync(f => f.Op == ServerOp.Message && f.Guild == alive, TimeSpan.FromSeconds(10));
        Assert.Equal(1, delivered[^1].Seq);
    }

    private static async Task<RedisClusterProcess> StartClusterAsync()
    {
        bool required = Environment.GetEnvironmentVariable("FLUX_REQUIRE_REDIS_SERVER") == "1";
        Skip.If(!RedisServerProcess.IsRedisServerInstalled && !required, "redis-server is not installed (CI installs it and sets FLUX_REQUIRE_REDIS_SERVER=1)");
        return await RedisClusterProcess.StartAsync();
    }

    // One new guild whose keys live on each shard, with the shard's index.
    private static async Task<List<(string Guild, int Shard)>> GuildPerShardAsync(RedisClusterProcess cluster)
    {
        var found = new Dictionary<int, string>();
        while (found.Count < RedisClusterProcess.Nodes)
        {
            string guild = RedisFixture.NewGuild();
            found.TryAdd(await cluster.NodeOfAsync($"{{{guild}}}"), guild);
        }
        return [.. found.OrderBy(f => f.Key).Select(f => (f.Value, f.Key))];
    }
}
