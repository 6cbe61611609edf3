using Flux.Gateway.Backplane;
using Flux.Testing;
using StackExchange.Redis;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// A guild nobody uses leaves nothing behind in Redis: every one of its keys (seq, epoch, top, history) expires
/// <c>HistoryTtlSeconds</c> after the guild was last in use, and a guild in use keeps renewing them. (That an expired
/// guild starts a new epoch, and its members are told, is <see cref="EpochTests"/>.) Each test runs against its own
/// server, on Garnet and on redis-server.
/// </summary>
public sealed class GuildExpiryTests
{
    private const int Ttl = 600;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Gateway:HistoryTtlSeconds"] = Ttl.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway:HeartbeatIntervalMs"] = "600000", // the test clients send no heartbeats
    };

    public static TheoryData<RedisKind> Servers => TestRedis.Kinds;

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task Every_key_of_a_guild_expires_and_keeps_its_expiry_through_sends(RedisKind kind)
    {
        await using var redis = await TestRedis.StartAsync(kind);
        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString, Settings);
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = admin.GetDatabase();
        string guild = RedisFixture.NewGuild();

        // Joining a guild Redis does not know creates its seq and epoch, both with the guild's expiry.
        await using var alice = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("alice", guild));
        await AssertExpiresAsync(db, BackplaneKeys.Seq(guild), BackplaneKeys.Epoch(guild));

        // Every send writes the seq and the top again; the keys keep their expiry (a plain SET would drop it).
        for (int i = 0; i < 20; i++) await alice.SendMessageAsync(guild, $"m{i}");
        var messages = await FanoutTests.ReceiveMessagesAsync(alice, 20);
        Assert.Equal(20, messages[^1].Seq);
        await AssertExpiresAsync(db, BackplaneKeys.PublishKeys(guild));
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task A_guild_with_members_renews_keys_that_have_no_expiry_without_anyone_sending(RedisKind kind)
    {
        await using var redis = await TestRedis.StartAsync(kind);
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = admin.GetDatabase();
        string guild = RedisFixture.NewGuild();
        // A guild written before keys expired (or whose renewals were all lost): its state is valid, without an expiry.
        await db.StringSetAsync(BackplaneKeys.Seq(guild), 5);
        await db.StringSetAsync(BackplaneKeys.Top(guild), 5);
        await db.StringSetAsync(BackplaneKeys.Epoch(guild), "123456789");
        Assert.Null(await db.KeyTimeToLiveAsync(BackplaneKeys.Seq(guild)));

        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString, Settings);
        await using var alice = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("alice", guild));
        Assert.Equal((5L, "123456789"), (alice.Ready!.Guilds.Single().Seq, alice.Ready.Guilds.Single().Epoch));

        // Nobody sends: the replica's sweep renews the guild it has a member in (the first time within a second or two).
        Assert.True(await Poll.UntilAsync(async () =>
        {
            foreach (var key in new[] { BackplaneKeys.Seq(guild), BackplaneKeys.Top(guild), BackplaneKeys.Epoch(guild) })
            {
                if (await db.KeyTimeToLiveAsync(key) is not { } ttl || ttl <= TimeSpan.Zero) return false;
            }
            return true;
        }), "the guild's keys got no expiry");
        await AssertExpiresAsync(db, BackplaneKeys.Seq(guild), BackplaneKeys.Top(guild), BackplaneKeys.Epoch(guild));

        // The state was kept as it was: the next message is seq 6, in the same epoch.
        await alice.SendMessageAsync(guild, "next");
        var message = Assert.Single(await FanoutTests.ReceiveMessagesAsync(alice, 1));
        Assert.Equal((6L, "next"), (message.Seq, message.Nonce));
        await AssertExpiresAsync(db, BackplaneKeys.PublishKeys(guild));
    }

    private static async Task AssertExpiresAsync(IDatabase db, params RedisKey[] keys)
    {
        foreach (var key in keys)
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            Assert.True(ttl > TimeSpan.Zero && ttl <= TimeSpan.FromSeconds(Ttl), $"{key}: expires in {ttl?.ToString() ?? "never"}, not within {Ttl} s");
        }
    }
}
