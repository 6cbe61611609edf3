using Flux.Protocol.Wire;
using Flux.Testing;
using StackExchange.Redis;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// A guild's seq can go back inside its epoch: its seq key set back or evicted, or Redis restarted from an append-only
/// file that lost its last writes. Clients that trust seqs would then drop the new messages as already seen. The gateway
/// never lets that pass in silence: the members are closed with 4007 (and identify afresh), and a resume that asks for a
/// seq beyond the guild's is refused with 4007. Against real redis-server.
/// </summary>
public sealed class SeqGoesBackTests
{
    private static readonly Dictionary<string, string?> QuietClients = new() { ["Gateway:HeartbeatIntervalMs"] = "600000" };

    [SkippableFact]
    public async Task A_seq_key_set_back_by_hand_closes_every_member_with_4007_at_the_next_send()
    {
        await using var redis = await StartServerAsync();
        await using var chat = await TwoReplicasAsync(redis, QuietClients);
        var (guild, alice, bob) = (chat.Guild, chat.Alice, chat.Bob);
        await ExchangeAsync(alice, bob, guild, 5);

        await SetSeqAsync(redis, guild, 1);
        await bob.SendMessageAsync(guild, "after");

        await AssertClosedWith4007Async(alice, bob);
    }

    [SkippableFact]
    public async Task A_seq_set_back_within_a_trimmed_history_is_caught_by_the_replica_that_publishes()
    {
        // A history of 1 (trimmed past 17): setting the seq back a little leaves it above the history's length, so only a
        // replica that already delivered the higher seqs can tell.
        var shortHistory = new Dictionary<string, string?>(QuietClients) { ["Gateway:HistoryLength"] = "1" };
        await using var redis = await StartServerAsync();
        await using var chat = await TwoReplicasAsync(redis, shortHistory);
        var (guild, alice, bob) = (chat.Guild, chat.Alice, chat.Bob);
        await ExchangeAsync(alice, bob, guild, 30);

        await SetSeqAsync(redis, guild, 25);
        await bob.SendMessageAsync(guild, "lands at 26");

        await AssertClosedWith4007Async(alice, bob);
    }

    // Every key of a guild has an expiry, so a volatile- policy may evict its seq as well as an allkeys- one.
    [SkippableTheory]
    [InlineData("allkeys-lru")]
    [InlineData("volatile-lru")]
    [InlineData("volatile-ttl")]
    public async Task A_gateway_refuses_to_start_against_a_redis_that_may_evict_a_guilds_keys(string policy)
    {
        await using var redis = await StartServerAsync();
        await ConfigSetAsync(redis, "maxmemory-policy", policy);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients));

        Assert.Contains($"maxmemory-policy is {policy}", refused.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_seq_key_evicted_under_a_tiny_maxmemory_closes_every_member_with_4007()
    {
        await using var redis = await StartServerAsync();
        await ConfigSetAsync(redis, "maxmemory-policy", "allkeys-lru");
        var allowed = new Dictionary<string, string?>(QuietClients) { ["Gateway:AllowEvictingRedis"] = "true" };
        await using var chat = await TwoReplicasAsync(redis, allowed);
        var (guild, alice, bob) = (chat.Guild, chat.Alice, chat.Bob);
        await ExchangeAsync(alice, bob, guild, 5);

        // Fill a small Redis until least-recently-used eviction takes the guild's seq key (bounded: 2,000 writes of 64 KB).
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true"))
        {
            var db = admin.GetDatabase();
            var server = admin.GetServers()[0];
            await server.ConfigSetAsync("maxmemory", 8L << 20);
            byte[] junk = new byte[64 * 1024];
            int written = 0;
            while (await db.KeyExistsAsync(Key(guild, "seq")) && written < 2_000)
            {
                await db.StringSetAsync($"junk:{written++}", junk);
            }
            Assert.False(await db.KeyExistsAsync(Key(guild, "seq")), $"the seq key was not evicted after {written} writes");
            await server.ConfigSetAsync("maxmemory", 0); // room again, so the gateways can publish
        }
        await bob.SendMessageAsync(guild, "after the eviction");

        await AssertClosedWith4007Async(alice, bob);
    }

    [SkippableFact]
    public async Task A_restart_from_an_append_only_file_that_lost_the_last_writes_closes_every_member_with_4007()
    {
        await using var redis = await StartServerAsync();
        await using var chat = await TwoReplicasAsync(redis, QuietClients);
        var (guild, alice, bob) = (chat.Guild, chat.Alice, chat.Bob);
        await ExchangeAsync(alice, bob, guild, 5);

        // What an append-only file that missed its last second holds: the seq and history of two messages ago, in the same
        // epoch. Written into the file, then the server restarts from it.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true"))
        {
            var db = admin.GetDatabase();
            await db.StringSetAsync(Key(guild, "seq"), 3);
            await db.ListRightPopAsync(Key(guild, "history"), 2);
            try
            {
                await admin.GetServers()[0].ExecuteAsync("DEBUG", "RESTART");
            }
            catch (RedisConnectionException)
            {
                // The server went down as it restarted.
            }
        }

        await AssertClosedWith4007Async(alice, bob);
    }

    [SkippableFact]
    public async Task A_resume_from_a_seq_beyond_the_guilds_latest_is_closed_with_4007()
    {
        await using var redis = await StartServerAsync();
        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("alice", guild);
        var alice = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);
        string session = alice.Ready!.Session!;
        await using (var bob = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("bob", guild)))
        {
            await ExchangeAsync(alice, bob, guild, 3);
        }
        alice.Abort();
        await alice.DisposeAsync();

        await using var resumed = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 40 }));
        var (code, reason, frames) = await resumed.ReceiveCloseAsync();

        Assert.Equal(CloseCodes.InvalidSession, code);
        Assert.Contains("went back", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(frames, f => f.Op == ServerOp.Message);
    }

    // Both send, both receive every message: each replica has delivered every seq so far.
    /// <summary>Two gateway replicas on one Redis, and one member of a new guild on each: alice on the first, bob on the second.</summary>
    private static async Task<TwoReplicas> TwoReplicasAsync(RedisServerProcess redis, IDictionary<string, string?> settings)
    {
        var first = await GatewayTestHost.StartAsync(redis.ConnectionString, settings);
        var second = await GatewayTestHost.StartAsync(redis.ConnectionString, settings);
        string guild = RedisFixture.NewGuild();
        var alice = await TestClient.IdentifyAsync(first.WebSocketUri, TestKeys.Token("alice", guild));
        var bob = await TestClient.IdentifyAsync(second.WebSocketUri, TestKeys.Token("bob", guild));
        return new TwoReplicas(first, second, guild, alice, bob);
    }

    private sealed record TwoReplicas(GatewayTestHost First, GatewayTestHost Second, string Guild, TestClient Alice, TestClient Bob) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bob.DisposeAsync();
            await Second.DisposeAsync();
            await First.DisposeAsync();
        }
    }

    private static async Task ExchangeAsync(TestClient alice, TestClient bob, string guild, int count)
    {
        for (int i = 0; i < count; i++) await (i % 2 == 0 ? alice : bob).SendMessageAsync(guild, $"before-{i}");
        await FanoutTests.ReceiveMessagesAsync(alice, count);
        await FanoutTests.ReceiveMessagesAsync(bob, count);
    }

    private static async Task AssertClosedWith4007Async(params TestClient[] members)
    {
        foreach (var member in members)
        {
            var (code, _, frames) = await member.ReceiveCloseAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(CloseCodes.InvalidSession, code);
            Assert.DoesNotContain(frames, f => f.Op == ServerOp.Message); // no new message under an old seq first
        }
    }

    private static RedisKey Key(string guild, string part) => $"flux:guild:{{{guild}}}:{part}";

    private static async Task SetSeqAsync(RedisServerProcess redis, string guild, long seq)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await admin.GetDatabase().StringSetAsync(Key(guild, "seq"), seq);
    }

    private static async Task ConfigSetAsync(RedisServerProcess redis, string name, string value)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true");
        await admin.GetServers()[0].ConfigSetAsync(name, value);
    }

    private static Task<RedisServerProcess> StartServerAsync() => TestRedis.StartAsync(RedisKind.Server);
}
