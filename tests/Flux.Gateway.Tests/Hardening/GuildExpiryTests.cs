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
        // A guild written before keys expired (its seq has no expiry), whose other keys are near theirs: its state is valid.
        await db.StringSetAsync(BackplaneKeys.Seq(guild), 5);
        await db.StringSetAsync(BackplaneKeys.Top(guild), 5, TimeSpan.FromSeconds(100));
        await db.StringSetAsync(BackplaneKeys.Epoch(guild), "123456789", TimeSpan.FromSeconds(100));
        Assert.Null(await db.KeyTimeToLiveAsync(BackplaneKeys.Seq(guild)));

        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString, Settings);
        await using var alice = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("alice", guild));
        Assert.Equal((5L, "123456789"), (alice.Ready!.Guilds.Single().Seq, alice.Ready.Guilds.Single().Epoch));

        // Nobody sends: the replica's sweep renews the guild it has a member in (the first time within a second or two),
        // to the full ttl, the keys without an expiry and the ones near theirs alike.
        Assert.True(await Poll.UntilAsync(async () =>
        {
            foreach (var key in new[] { BackplaneKeys.Seq(guild), BackplaneKeys.Top(guild), BackplaneKeys.Epoch(guild) })
            {
                if (await db.KeyTimeToLiveAsync(key) is not { } ttl || ttl <= TimeSpan.FromSeconds(100)) return false;
            }
            return true;
        }), "the guild's keys were not renewed");
        await AssertExpiresAsync(db, BackplaneKeys.Seq(guild), BackplaneKeys.Top(guild), BackplaneKeys.Epoch(guild));

        // The state was kept as it was: the next message is seq 6, in the same epoch.
        await alice.SendMessageAsync(guild, "next");
        var message = Assert.Single(await FanoutTests.ReceiveMessagesAsync(alice, 1));
        Assert.Equal((6L, "next"), (message.Seq, message.Nonce));
        await AssertExpiresAsync(db, BackplaneKeys.PublishKeys(guild));
    }

    // The publish script on its own, with no renewal asked for ('0'): every path that creates a key gives it the ttl,
    // and the writes of a plain publish keep the expiry the keys have, neither dropping nor extending it.
    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task Every_path_of_the_scripts_leaves_each_key_it_writes_with_an_expiry(RedisKind kind)
    {
        await using var redis = await TestRedis.StartAsync(kind);
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = admin.GetDatabase();

        // A guild no key of which exists: the publish starts its epoch.
        string fresh = RedisFixture.NewGuild();
        Assert.Equal(1L, (await PublishAsync(db, fresh, epoch: "", renew: false)).Seq);
        await AssertExpiresAsync(db, BackplaneKeys.PublishKeys(fresh));

        // A guild an identify created (seq and epoch), then its first publish: the history and the top are created.
        string joined = RedisFixture.NewGuild();
        var state = (RedisResult[])(await db.ScriptEvaluateAsync(BackplaneScripts.GuildState, [BackplaneKeys.Seq(joined), BackplaneKeys.Epoch(joined)], [777, Ttl]))!;
        Assert.Equal("777", (string?)state[1]);
        await AssertExpiresAsync(db, BackplaneKeys.Seq(joined), BackplaneKeys.Epoch(joined));
        Assert.Equal(1L, (await PublishAsync(db, joined, epoch: "777", renew: false)).Seq);
        await AssertExpiresAsync(db, BackplaneKeys.PublishKeys(joined));

        // A plain publish keeps each key's expiry as it is; a renewal gives every key the full ttl again.
        foreach (var key in BackplaneKeys.PublishKeys(joined)) await db.KeyExpireAsync(key, TimeSpan.FromSeconds(100));
        Assert.Equal(2L, (await PublishAsync(db, joined, epoch: "777", renew: false)).Seq);
        await AssertExpiresAsync(db, 100, BackplaneKeys.PublishKeys(joined));
        Assert.Equal(3L, (await PublishAsync(db, joined, epoch: "777", renew: true)).Seq);
        foreach (var key in BackplaneKeys.PublishKeys(joined)) Assert.True(await db.KeyTimeToLiveAsync(key) > TimeSpan.FromSeconds(100), $"{key} not renewed");

        // The epoch lost while a session of it still sends: the send is refused, and the new epoch, with the seq and top
        // kept, expires like the rest.
        await db.KeyDeleteAsync(BackplaneKeys.Epoch(joined));
        foreach (var key in BackplaneKeys.PublishKeys(joined)) await db.KeyPersistAsync(key);
        Assert.Equal(0L, (await PublishAsync(db, joined, epoch: "777", renew: false)).Seq);
        Assert.False(await db.KeyExistsAsync(BackplaneKeys.History(joined)));
        await AssertExpiresAsync(db, BackplaneKeys.Seq(joined), BackplaneKeys.Epoch(joined), BackplaneKeys.Top(joined));

        // A history read of a guild Redis does not know creates its seq and epoch, with the ttl.
        string read = RedisFixture.NewGuild();
        await db.ScriptEvaluateAsync(BackplaneScripts.ReadHistory, [BackplaneKeys.Seq(read), BackplaneKeys.History(read), BackplaneKeys.Epoch(read)], [0, 10, 888, Ttl]);
        await AssertExpiresAsync(db, BackplaneKeys.Seq(read), BackplaneKeys.Epoch(read));
    }

    private static async Task<(long Seq, string Epoch)> PublishAsync(IDatabase db, string guild, string epoch, bool renew)
    {
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(BackplaneScripts.Publish, BackplaneKeys.PublishKeys(guild),
        [
            """{"op":"msg","seq":""", ""","body":"b"}""", 1000, BackplaneKeys.Channel(guild, sharded: false).ToString(), "", Ttl, 64,
            Random.Shared.NextInt64(1, long.MaxValue), 1764527000123456, "PUBLISH", epoch, renew ? "1" : "0",
        ]))!;
        return ((long)result[0], (string)result[1]!);
    }

    private static Task AssertExpiresAsync(IDatabase db, params RedisKey[] keys) => AssertExpiresAsync(db, Ttl, keys);

    private static async Task AssertExpiresAsync(IDatabase db, int withinSeconds, params RedisKey[] keys)
    {
        foreach (var key in keys)
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            Assert.True(ttl > TimeSpan.Zero && ttl <= TimeSpan.FromSeconds(withinSeconds), $"{key}: expires in {ttl?.ToString() ?? "never"}, not within {withinSeconds} s");
        }
    }
}
