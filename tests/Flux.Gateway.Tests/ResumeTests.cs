using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>Resume after a disconnect, on the other instance: missed messages exactly once, no gap at the seam.</summary>
public sealed class ResumeTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly Dictionary<string, string?> Unlimited = new() { ["Gateway:RateLimitSends"] = "100000" };

    [Fact]
    public async Task Resume_on_the_other_instance_replays_missed_messages_exactly_once_then_continues_live()
    {
        await using var gateway1 = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        await using var gateway2 = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("alice", guild);
        var alice = await TestClient.IdentifyAsync(gateway1.WebSocketUri, token);
        await using var bob = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("bob", guild));
        string session = alice.Ready!.Session!;

        for (int i = 0; i < 5; i++) await bob.SendMessageAsync(guild, $"before-{i}");
        var seen = await FanoutTests.ReceiveMessagesAsync(alice, 5);
        long lastSeen = seen[^1].Seq;

        alice.Abort();
        await alice.DisposeAsync();
        for (int i = 0; i < 5; i++) await bob.SendMessageAsync(guild, $"missed-{i}");
        await FanoutTests.ReceiveMessagesAsync(bob, 10); // all ten are published

        await using var resumed = await TestClient.ConnectAsync(gateway2.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = lastSeen }));
        var replay = await resumed.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed);

        Assert.Equal(5, replay[^1].Replayed);
        var replayed = replay.Where(f => f.Op == ServerOp.Message).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"missed-{i}"), replayed.Select(f => f.Nonce));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => lastSeen + i), replayed.Select(f => f.Seq));

        await bob.SendMessageAsync(guild, "after");
        var live = await resumed.ReceiveAsync();
        Assert.Equal(("after", lastSeen + 6), (live.Nonce, live.Seq));
    }

    [Fact]
    public async Task Messages_sent_during_a_resume_arrive_without_duplicate_or_gap()
    {
        await using var gateway1 = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, Unlimited);
        await using var gateway2 = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, Unlimited);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("carol", guild);
        var carol = await TestClient.IdentifyAsync(gateway1.WebSocketUri, token);
        string session = carol.Ready!.Session!;
        long start = carol.Ready.Guilds.Single().Seq;
        carol.Abort();
        await carol.DisposeAsync();

        // A steady stream from another member, before, during and after the resume.
        await using var sender = await TestClient.IdentifyAsync(gateway2.WebSocketUri, TestKeys.Token("dave", guild));
        const int total = 300;
        var sending = Task.Run(async () =>
        {
            for (int i = 0; i < total; i++)
            {
                await sender.SendMessageAsync(guild, $"m{i}");
                if (i % 10 == 0) await Task.Delay(1);
            }
        });
        await Task.Delay(50);

        await using var resumed = await TestClient.ConnectAsync(gateway2.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = start }));
        await sending;

        var seqs = new List<long>();
        while (seqs.Count < total)
        {
            var frame = await resumed.ReceiveAsync();
            if (frame.Op == ServerOp.Message) seqs.Add(frame.Seq);
        }
        Assert.Equal(Enumerable.Range(1, total).Select(i => start + i), seqs);
    }

    [Fact]
    public async Task A_connected_session_is_renewed_so_it_outlives_the_resume_window()
    {
        var shortWindow = new Dictionary<string, string?> { ["Gateway:ResumeWindowSeconds"] = "2" };
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, shortWindow);
        await using var client = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("ruth", RedisFixture.NewGuild()));
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var key = (StackExchange.Redis.RedisKey)$"flux:session:{client.Ready!.Session}";

        // Three windows pass while the connection stays up; the sweeper renews the session every half window.
        var until = DateTime.UtcNow.AddSeconds(6);
        while (DateTime.UtcNow < until)
        {
            Assert.True(await redis.GetDatabase().KeyExistsAsync(key), "the session expired while its connection was up");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task A_session_whose_key_vanishes_while_its_resume_replays_is_written_back_with_its_guilds()
    {
        // A small send queue, a long history and a client that does not read (a 4 KB receive buffer): the replay waits
        // for room, so the resume is still replaying when the session's key vanishes (as when the resume window ends
        // during a long replay) and the connection is shed. Before 2026-12-07 the close then wrote the session back
        // without its guilds, and the next resume started the guild from now: everything missed was skipped, with no
        // gap and no 4007 (391 lost deliveries in one overload storm, docs/benchmarks.md).
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:RateLimitSends"] = "100000",
            ["Gateway:SendQueueMaxFrames"] = "16",
            ["Gateway:SendQueueMaxBytes"] = "16384",
            ["Gateway:HistoryLength"] = "5000",
        });
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("iris", Flux.Protocol.Auth.Tier.Low, guild);
        var iris = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);
        string session = iris.Ready!.Session!;
        iris.Abort();
        await iris.DisposeAsync();
        await using var jack = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("jack", guild));
        // 6 MB: more than the kernel's socket buffers take on loopback (up to 4 MB here), so the replay must wait.
        const int sent = 3_000;
        string body = new('x', 2_000);
        // Jack reads while he sends: his send queue is as small as everyone's here, and 6 MB left unread until the last
        // send closed him as a slow consumer (4012) in one CI run, when the kernel's buffers took less.
        var delivered = FanoutTests.ReceiveMessagesAsync(jack, sent, TimeSpan.FromSeconds(30));
        for (int i = 0; i < sent; i++) await jack.SendMessageAsync(guild, $"m{i}", body);
        await delivered;
        var key = (StackExchange.Redis.RedisKey)$"flux:session:{session}";
        var field = (StackExchange.Redis.RedisValue)$"g:{guild}";
        var position = await redis.GetDatabase().HashGetAsync(key, field);
        Assert.True(position.HasValue, "the session does not know its guild");

        var stalled = await TestClient.ConnectAsync(gateway.WebSocketUri, receiveBufferBytes: 4096);
        await stalled.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 0 }));
        // The replay fills the queue (to its 16 KB, about seven frames) and waits there: the resume has not finished.
        Assert.True(await Poll.UntilAsync(async () => (await gateway.Admin.GetStatsAsync(new Flux.Protocol.Admin.GetStatsRequest())).QueuedBytes >= 8_192),
            "the replay never waited for room; this test needs it to");
        Assert.True(await redis.GetDatabase().KeyDeleteAsync(key));
        // Shed while it replays (the overload storm's case): the gateway closes it, and the close renews the session.
        await gateway.Admin.SetSheddingAsync(new Flux.Protocol.Admin.SetSheddingRequest { Auto = false, Level = 1 });
        await stalled.DisposeAsync();

        // The close writes the session back as the resume knew it, guild and all.
        Assert.True(await Poll.UntilAsync(async () => await redis.GetDatabase().KeyExistsAsync(key)), "the session was not written back");
        Assert.Equal(position, await redis.GetDatabase().HashGetAsync(key, field));
        await gateway.Admin.SetSheddingAsync(new Flux.Protocol.Admin.SetSheddingRequest { Auto = false, Level = 0 });
        await using var resumed = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 0 }));
        var replay = await resumed.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed, TimeSpan.FromSeconds(30));
        Assert.Equal(sent, replay[^1].Replayed);
    }


    [Fact]
    public async Task Resume_of_an_unknown_session_closes_with_4007()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        await using var client = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await client.SendAsync(ClientFrameWriter.Resume(TestKeys.Token("erin", "g"), "no-such-session", new Dictionary<string, long>()));
        var (code, _, _) = await client.ReceiveCloseAsync();
        Assert.Equal(CloseCodes.InvalidSession, code);
    }

    [Fact]
    public async Task Resume_of_another_users_session_closes_with_4007()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        await using var frank = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("frank", guild));
        await using var mallory = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await mallory.SendAsync(ClientFrameWriter.Resume(TestKeys.Token("mallory", guild), frank.Ready!.Session!, new Dictionary<string, long>()));
        var (code, _, _) = await mallory.ReceiveCloseAsync();
        Assert.Equal(CloseCodes.InvalidSession, code);
    }

    [Fact]
    public async Task Resume_beyond_history_reports_the_gap_honestly()
    {
        var shortHistory = new Dictionary<string, string?> { ["Gateway:HistoryLength"] = "3" };
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, shortHistory);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("gina", guild);
        var gina = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);
        string session = gina.Ready!.Session!;
        gina.Abort();
        await gina.DisposeAsync();

        await using var sender = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("hank", guild));
        // History keeps at least 3 and trims only after a slack of 16, so 25 messages overflow it.
        const int sent = 25;
        for (int i = 0; i < sent; i++) await sender.SendMessageAsync(guild, $"m{i}");
        await FanoutTests.ReceiveMessagesAsync(sender, sent);

        await using var resumed = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 0 }));
        var frames = await resumed.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed);

        var gap = frames[0];
        var replayed = frames.Where(f => f.Op == ServerOp.Message).Select(f => f.Seq).ToList();
        Assert.Equal((ServerOp.Gap, guild, 1L), (gap.Op, gap.Guild, gap.GapFrom));
        Assert.True(replayed.Count >= 3, $"history held only {replayed.Count}");
        Assert.Equal(gap.GapTo + 1, replayed[0]);
        Assert.Equal(Enumerable.Range((int)replayed[0], replayed.Count).Select(s => (long)s), replayed);
        Assert.Equal(sent, replayed[^1]);
        Assert.Equal(replayed.Count, frames[^1].Replayed);
    }
}
