using System.Diagnostics;
using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>A client that stops reading: others are not slowed, its queue overflows into 4012, and resume recovers it.</summary>
public sealed class SlowConsumerTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    // A small send queue so overflow comes after a few megabytes, not the default's.
    private static readonly Dictionary<string, string?> SmallQueue = new()
    {
        ["Gateway:RateLimitSends"] = "1000000",
        ["Gateway:SendQueueMaxFrames"] = "64",
        ["Gateway:SendQueueMaxBytes"] = "65536",
        ["Gateway:SlowConsumerCloseGraceMs"] = "30000",
    };

    private const int ReceiveBufferBytes = 4096;
    private const int MaxMessages = 20_000; // bounds the load loop: ~40 MB of frames at most
    private const int InFlight = 50;

    [Fact]
    public async Task A_reader_that_stops_is_closed_with_4012_while_others_get_everything_and_it_can_resume_what_it_missed()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, SmallQueue);
        string guild = RedisFixture.NewGuild();
        string slowToken = TestKeys.Token("slow", guild);
        var slow = await TestClient.IdentifyAsync(gateway.WebSocketUri, slowToken, ReceiveBufferBytes);
        string session = slow.Ready!.Session!;
        long start = slow.Ready.Guilds.Single().Seq;
        await using var healthy = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("healthy", guild));
        await using var sender = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("sender", guild));

        // The healthy reader reads everything as it comes, with its worst delay measured.
        string body = new('x', 1900);
        var worstDelay = TimeSpan.Zero;
        var sentAt = new Dictionary<string, long>();
        int received = 0;
        var healthyReading = Task.Run(async () =>
        {
            while (true)
            {
                var frame = await healthy.ReceiveAsync(TimeSpan.FromSeconds(20));
                if (frame.Op != ServerOp.Message) continue;
                if (frame.Nonce == "stop") return;
                long sent;
                lock (sentAt) sent = sentAt[frame.Nonce!];
                var delay = Stopwatch.GetElapsedTime(sent);
                if (delay > worstDelay) worstDelay = delay;
                received++;
            }
        });
        // The sender is a member too: it reads its own copies so that only the silent reader falls behind,
        // and keeps at most a window of messages in flight, so delays measure the gateway, not a send backlog.
        using var window = new SemaphoreSlim(InFlight);
        var senderReading = ReadUntilStopAsync(sender, window);

        // Load until the server gives up on the reader that never reads.
        int sent = 0;
        while (sent < MaxMessages)
        {
            await window.WaitAsync(TimeSpan.FromSeconds(20));
            lock (sentAt) sentAt[$"m{sent}"] = Stopwatch.GetTimestamp();
            await sender.SendMessageAsync(guild, $"m{sent}", body);
            sent++;
            if (sent % 200 == 0 && (await gateway.Admin.GetStatsAsync(new GetStatsRequest())).ClosesByReason.ContainsKey("slow_consumer")) break;
        }
        lock (sentAt) sentAt["stop"] = Stopwatch.GetTimestamp();
        await sender.SendMessageAsync(guild, "stop");
        await healthyReading;
        await senderReading;

        Assert.True(sent < MaxMessages, "the slow consumer was never closed");
        Assert.Equal(sent, received);
        // Loose bound on a noisy 2-core machine: the point is that the healthy reader never waits for the slow one.
        Assert.True(worstDelay < TimeSpan.FromSeconds(2), $"healthy reader delayed by {worstDelay.TotalMilliseconds:0} ms");

        // The slow reader finally reads: what was in flight, then 4012.
        var (code, _, frames) = await slow.ReceiveCloseAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(CloseCodes.SlowConsumer, code);
        var got = frames.Where(f => f.Op == ServerOp.Message).Select(f => f.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, got.Count).Select(i => start + i), got);
        await slow.DisposeAsync();

        // Resume gets back everything it missed, exactly once.
        await using var back = await TestClient.ConnectAsync(gateway.WebSocketUri);
        long last = got.Count > 0 ? got[^1] : start;
        await back.SendAsync(ClientFrameWriter.Resume(slowToken, session, new Dictionary<string, long> { [guild] = last }));
        var replay = (await back.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed, TimeSpan.FromSeconds(30)))
            .Where(f => f.Op == ServerOp.Message).Select(f => f.Seq).ToList();
        long lastSeq = start + sent + 1; // every "m" message and "stop"
        Assert.Equal(Enumerable.Range(1, (int)(lastSeq - last)).Select(i => last + i), replay);
    }

    [Fact]
    public async Task Pressure_from_queued_bytes_sheds_low_tier_first()
    {
        var settings = new Dictionary<string, string?>(SmallQueue)
        {
            ["Gateway:SendQueueMaxBytes"] = "16777216",
            ["Gateway:SendQueueMaxFrames"] = "100000",
            ["Gateway:Shedding:Level1QueuedBytes"] = "1048576",
            ["Gateway:Shedding:Level2QueuedBytes"] = "1073741824",
            ["Gateway:Shedding:CheckIntervalMs"] = "50",
        };
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, settings);
        string guild = RedisFixture.NewGuild();
        // Three low and three high members stop reading; the queued bytes they cause are the pressure. Spread over
        // six connections, no single one is the cause (that one would be closed alone, as a slow consumer).
        var low = new List<TestClient>();
        var high = new List<TestClient>();
        for (int i = 0; i < 3; i++)
        {
            low.Add(await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token($"low{i}", Tier.Low, guild), ReceiveBufferBytes));
            high.Add(await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token($"high{i}", Tier.High, guild), ReceiveBufferBytes));
        }
        await using var sender = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("sender", Tier.High, guild));
        var senderReading = ReadUntilStopAsync(sender);

        string body = new('y', 1900);
        GatewayStats stats = new();
        for (int sent = 0; sent < MaxMessages; sent++)
        {
            await sender.SendMessageAsync(guild, $"p{sent}", body);
            if (sent % 100 != 0) continue;
            stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
            if (stats.ClosesByReason.ContainsKey("shed")) break;
        }

        await sender.SendMessageAsync(guild, "stop");
        await senderReading;

        Assert.True(stats.Shedding.Level >= 1, $"no shedding: {stats}");
        Assert.Equal(0, stats.ConnectionsLow);
        Assert.Equal(4, stats.ConnectionsHigh);
        Assert.False(stats.ClosesByReason.ContainsKey("slow_consumer"), $"closes: {stats.ClosesByReason}");
        foreach (var client in low) Assert.Equal(CloseCodes.Shed, (await client.ReceiveCloseAsync(TimeSpan.FromSeconds(30))).Code);
        foreach (var client in low.Concat(high)) await client.DisposeAsync();
    }

    // Cancelling a WebSocket receive aborts the socket, so a reader stops on a marker message instead.
    private static async Task ReadUntilStopAsync(TestClient client, SemaphoreSlim? window = null)
    {
        while ((await client.ReceiveAsync(TimeSpan.FromSeconds(60))).Nonce != "stop")
        {
            window?.Release();
        }
    }
}
