using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// What the gateway sends back to a client (heartbeat acks, errors) is bounded like everything else,
/// so a client that writes and never reads cannot grow the replica's memory or push it into shedding other users.
/// </summary>
public sealed class BoundedRepliesTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    // A tiny TCP receive buffer: a client that stops reading pushes back on the gateway at once.
    private const int ReceiveBufferBytes = 4096;

    [Fact]
    public async Task Heartbeats_from_a_client_that_never_reads_coalesce_into_one_pending_ack()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            // The flood limit is tested below; here it is out of the way so the queue itself is what is measured.
            ["Gateway:HeartbeatMaxPerInterval"] = "1000000",
        });
        await using var client = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("silent", RedisFixture.NewGuild()), ReceiveBufferBytes);

        // 300,000 heartbeats (bounded): their acks, about 7 MB, are more than the kernel's socket buffers take (4 MB at
        // most for the gateway's send buffer here), so without coalescing they would pile up in the send queue.
        for (int i = 0; i < 300_000; i++) await client.SendAsync(ClientFrameWriter.Heartbeat);
        // Watch the replica while it works through them: at most the ack being written and one pending.
        long worst = 0;
        GatewayStats stats = new();
        for (int sample = 0; sample < 30; sample++)
        {
            stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
            worst = Math.Max(worst, stats.QueuedFrames);
            await Task.Delay(100);
        }

        Assert.True(worst <= 2, $"{worst} frames queued for a client that never reads");
        Assert.Equal(1, stats.ConnectionsNormal);
    }

    [Fact]
    public async Task Heartbeats_faster_than_the_documented_rate_close_with_4008()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        await using var client = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("flood", RedisFixture.NewGuild()));

        // The default allows 5 heartbeats per heartbeat interval (15 s); 50 in a burst is a flood.
        for (int i = 0; i < 50; i++) await client.SendAsync(ClientFrameWriter.Heartbeat);

        var (code, reason, frames) = await client.ReceiveCloseAsync();
        Assert.Equal(CloseCodes.RateLimited, code);
        Assert.Contains("heartbeat", reason);
        Assert.True(frames.Count(f => f.Op == ServerOp.HeartbeatAck) <= 5);
    }

    [Fact]
    public async Task Error_replies_to_a_client_that_never_reads_count_against_its_queue_and_overflow_closes_it_with_4012()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:RateLimitSends"] = "1000000",
            ["Gateway:SendQueueMaxFrames"] = "16",
            ["Gateway:SendQueueMaxBytes"] = "65536",
        });
        await using var client = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("noisy", RedisFixture.NewGuild()), ReceiveBufferBytes);

        // Each send to a guild it is not in is answered with an error frame of about 100 bytes; bounded loop.
        int sent = 0;
        GatewayStats stats = new();
        for (; sent < 50_000; sent++)
        {
            try
            {
                await client.SendMessageAsync("not-a-member", $"n{sent}", new string('e', 200));
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                break; // the gateway gave up on this client
            }
            if (sent % 500 != 499) continue;
            stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
            if (stats.ClosesByReason.ContainsKey("slow_consumer")) break;
        }

        stats = await WaitForStatsAsync(gateway, s => s.ClosesByReason.ContainsKey("slow_consumer"));
        Assert.Equal(1, stats.ClosesByReason["slow_consumer"]);
        Assert.True(stats.QueuedFrames == 0, $"{stats.QueuedFrames} frames still queued");
    }

    [Fact]
    public async Task When_one_connection_holds_most_queued_bytes_the_shedder_closes_it_instead_of_a_tier()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:RateLimitSends"] = "1000000",
            ["Gateway:SendQueueMaxBytes"] = "67108864",
            ["Gateway:SendQueueMaxFrames"] = "1000000",
            ["Gateway:Shedding:Level1QueuedBytes"] = "1048576",
            ["Gateway:Shedding:Level2QueuedBytes"] = "1073741824",
            ["Gateway:Shedding:CheckIntervalMs"] = "50",
        });
        string guild = RedisFixture.NewGuild();
        // One member stops reading; a low-tier member and the sender keep reading.
        await using var stuck = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("stuck", Tier.High, guild), ReceiveBufferBytes);
        await using var low = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("low", Tier.Low, guild));
        await using var sender = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("sender", Tier.High, guild));
        var lowReading = ReadUntilStopAsync(low);
        var senderReading = ReadUntilStopAsync(sender);

        string body = new('z', 1900);
        GatewayStats stats = new();
        for (int sent = 0; sent < 20_000; sent++)
        {
            await sender.SendMessageAsync(guild, $"p{sent}", body);
            if (sent % 100 != 99) continue;
            stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
            if (stats.ClosesByReason.Count > 0) break;
        }
        await sender.SendMessageAsync(guild, "stop");
        await senderReading;
        await lowReading;

        Assert.True(stats.ClosesByReason.ContainsKey("slow_consumer"), $"closes: {stats.ClosesByReason}");
        Assert.False(stats.ClosesByReason.ContainsKey("shed"), $"a tier was shed: {stats.ClosesByReason}");
        Assert.Equal(CloseCodes.SlowConsumer, (await stuck.ReceiveCloseAsync(TimeSpan.FromSeconds(30))).Code);
        stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
        Assert.True(stats.ConnectionsLow == 1, $"the low-tier member was closed: {stats}");
    }

    private static async Task ReadUntilStopAsync(TestClient client)
    {
        while ((await client.ReceiveAsync(TimeSpan.FromSeconds(60))).Nonce != "stop")
        {
        }
    }

    private static async Task<GatewayStats> WaitForStatsAsync(GatewayTestHost gateway, Func<GatewayStats, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
            if (condition(stats) || DateTime.UtcNow > deadline) return stats;
            await Task.Delay(100);
        }
    }
}
