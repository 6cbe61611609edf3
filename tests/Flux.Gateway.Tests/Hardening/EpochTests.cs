using Flux.Protocol.Wire;
using Flux.Testing;
using StackExchange.Redis;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// When Redis loses a guild's state (FLUSHALL, a restart without persistence), its seqs start over.
/// Members must be told (closed with 4007), never left to skip the new messages that fall below their cursor.
/// Each test runs against its own server, on Garnet and on redis-server.
/// </summary>
public sealed class EpochTests
{
    // The test clients send no heartbeats; the outage must not close them for that.
    private static readonly Dictionary<string, string?> QuietClients = new() { ["Gateway:HeartbeatIntervalMs"] = "600000" };

    public static TheoryData<RedisKind> Servers => TestRedis.Kinds;

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task Flushall_while_everyone_stays_connected_closes_every_member_with_4007(RedisKind kind)
    {
        await using var redis = await StartRedisAsync(kind);
        await using var gateway1 = await GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients);
        await using var gateway2 = await GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients);
        string guild = RedisFixture.NewGuild();
        await using var alice = await TestClient.IdentifyAsync(gateway1.WebSocketUri, TestKeys.Token("alice", guild));
        await using var bob = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("bob", guild));
        for (int i = 0; i < 3; i++) await bob.SendMessageAsync(guild, $"before-{i}");
        await FanoutTests.ReceiveMessagesAsync(alice, 3);
        await FanoutTests.ReceiveMessagesAsync(bob, 3);

        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true"))
        {
            await admin.GetServers()[0].FlushAllDatabasesAsync();
        }
        await alice.SendMessageAsync(guild, "after-flush");

        foreach (var member in new[] { alice, bob })
        {
            var (code, _, frames) = await member.ReceiveCloseAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(CloseCodes.InvalidSession, code);
            Assert.DoesNotContain(frames, f => f.Op == ServerOp.Message);
        }
        // Alice's session joined the lost epoch: her send is refused, not published into the new one where no member
        // would receive it. (Her 'unavailable' for it may not arrive: the refusal's notice, which tells bob's replica,
        // can close her on her own replica first.)
        await AssertHistoryEmptyAsync(redis, guild);
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task An_identify_into_the_new_epoch_on_a_replica_still_counting_in_the_old_one_catches_the_replica_up_first(RedisKind kind)
    {
        await using var redis = await StartRedisAsync(kind);
        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients);
        string guild = RedisFixture.NewGuild();
        await using var alice = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("alice", guild));
        for (int i = 0; i < 3; i++) await alice.SendMessageAsync(guild, $"before-{i}");
        await FanoutTests.ReceiveMessagesAsync(alice, 3);

        // The guild's state goes without a sound (its keys expire): nothing is published, so the replica still counts in
        // the old epoch. Carol's identify reads the state, and so creates the new epoch, on the same replica.
        await DeleteGuildStateAsync(redis, guild);
        await using var carol = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await carol.SendAsync(ClientFrameWriter.Identify(TestKeys.Token("carol", guild)));

        // Had carol been made ready, the replica would have closed her with the others when it caught up, and refused her
        // sends until then. It catches up first: every member is told, carol before her ready.
        var (carolClose, _, carolFrames) = await carol.ReceiveCloseAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(CloseCodes.InvalidSession, carolClose);
        Assert.DoesNotContain(carolFrames, f => f.Op == ServerOp.Ready);
        var (aliceClose, _, aliceFrames) = await alice.ReceiveCloseAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(CloseCodes.InvalidSession, aliceClose);
        Assert.DoesNotContain(aliceFrames, f => f.Op == ServerOp.Message);
        await AssertHistoryEmptyAsync(redis, guild);

        // The replica counts in the new epoch now: carol's next session sends its first message, seq 1.
        await using var again = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("carol", guild));
        Assert.NotEqual(alice.Ready!.Guilds.Single().Epoch, again.Ready!.Guilds.Single().Epoch);
        await again.SendMessageAsync(guild, "now");
        var message = Assert.Single(await FanoutTests.ReceiveMessagesAsync(again, 1));
        Assert.Equal((1L, "now"), (message.Seq, message.Nonce));
    }

    private static RedisKey[] GuildKeys(string guild) =>
        [.. new[] { "seq", "history", "epoch", "top" }.Select(k => (RedisKey)$"flux:guild:{{{guild}}}:{k}")];

    private static async Task DeleteGuildStateAsync(RedisServerProcess redis, string guild)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await admin.GetDatabase().KeyDeleteAsync(GuildKeys(guild));
    }

    private static async Task AssertHistoryEmptyAsync(RedisServerProcess redis, string guild)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.Equal(0, await admin.GetDatabase().ListLengthAsync(GuildKeys(guild)[1]));
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task Redis_restarted_empty_while_another_replica_publishes_first_closes_every_member_with_4007(RedisKind kind)
    {
        await using var redis = await StartRedisAsync(kind);
        // Gateway 1 reaches Redis through a relay the test can cut: it comes back only after gateway 2 has published.
        await using var relay = TcpRelay.Start(redis.Port);
        await using var gateway1 = await GatewayTestHost.StartAsync(relay.ConnectionString, QuietClients);
        await using var gateway2 = await GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients);
        string guild = RedisFixture.NewGuild();
        await using var alice = await TestClient.IdentifyAsync(gateway1.WebSocketUri, TestKeys.Token("alice", guild));
        await using var bob = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("bob", guild));
        for (int i = 0; i < 3; i++) await bob.SendMessageAsync(guild, $"before-{i}");
        await FanoutTests.ReceiveMessagesAsync(alice, 3);
        await FanoutTests.ReceiveMessagesAsync(bob, 3);

        relay.Cut();
        await redis.RestartEmptyAsync();
        // Bob's replica notices the restart; then a new member there publishes more messages than anyone had seen,
        // so the new seqs run past the old cursors.
        Assert.Equal(CloseCodes.InvalidSession, (await bob.ReceiveCloseAsync(TimeSpan.FromSeconds(30))).Code);
        var carol = await IdentifyWhenReadyAsync(gateway2, TestKeys.Token("carol", guild));
        for (int i = 0; i < 5; i++) await carol.SendMessageAsync(guild, $"after-{i}");
        var carolSeqs = (await FanoutTests.ReceiveMessagesAsync(carol, 5)).Select(f => f.Seq);
        Assert.Equal([1L, 2, 3, 4, 5], carolSeqs);
        await carol.DisposeAsync();

        relay.Restore();
        var (aliceClose, _, aliceFrames) = await alice.ReceiveCloseAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(CloseCodes.InvalidSession, aliceClose);
        Assert.DoesNotContain(aliceFrames, f => f.Op == ServerOp.Message);
    }

    // Identifies once the replica has Redis again (until then identify is closed with 1011).
    private static async Task<TestClient> IdentifyWhenReadyAsync(GatewayTestHost gateway, string token)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var client = await TestClient.ConnectAsync(gateway.WebSocketUri);
            await client.SendAsync(ClientFrameWriter.Identify(token));
            var (frame, close) = await client.ReceiveOrCloseAsync();
            if (frame?.Op == ServerOp.Ready) return client;
            await client.DisposeAsync();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no ready within 30 s (last close {close})");
            await Task.Delay(200);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task A_resume_whose_session_saw_another_epoch_of_the_guild_is_closed_with_4007(RedisKind kind)
    {
        await using var redis = await StartRedisAsync(kind);
        await using var gateway1 = await GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients);
        await using var gateway2 = await GatewayTestHost.StartAsync(redis.ConnectionString, QuietClients);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("alice", guild);
        var alice = await TestClient.IdentifyAsync(gateway1.WebSocketUri, token);
        string session = alice.Ready!.Session!;
        string aliceEpoch = alice.Ready.Guilds.Single().Epoch;
        Assert.NotEmpty(aliceEpoch); // ready names the epoch its seqs count in
        await using (var bob = await TestClient.IdentifyAsync(gateway1.WebSocketUri, TestKeys.Token("bob", guild)))
        {
            for (int i = 0; i < 3; i++) await bob.SendMessageAsync(guild, $"before-{i}");
            await FanoutTests.ReceiveMessagesAsync(alice, 3);
        }
        alice.Abort();
        await alice.DisposeAsync();

        // The guild's state goes (its keys expire, or a shard restarts empty) while the session survives.
        await DeleteGuildStateAsync(redis, guild);
        // The guild starts over on the other replica, and runs past alice's cursor.
        await using (var carol = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("carol", guild)))
        {
            // A client can tell from ready alone that the guild started over: another epoch, seqs from 0 again.
            Assert.Equal(0, carol.Ready!.Guilds.Single().Seq);
            Assert.NotEqual(aliceEpoch, carol.Ready.Guilds.Single().Epoch);
            for (int i = 0; i < 5; i++) await carol.SendMessageAsync(guild, $"new-{i}");
            await FanoutTests.ReceiveMessagesAsync(carol, 5);
        }

        await using var resumed = await TestClient.ConnectAsync(gateway2.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 3 }));
        var (code, _, frames) = await resumed.ReceiveCloseAsync();

        Assert.Equal(CloseCodes.InvalidSession, code);
        Assert.DoesNotContain(frames, f => f.Op == ServerOp.Message);
    }

    private static Task<RedisServerProcess> StartRedisAsync(RedisKind kind) => TestRedis.StartAsync(kind);
}
