using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.WebSockets;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>
/// Path probes (docs/protocol.md, "Path probes"): the gateway pings identified connections behind their deliveries and
/// times the pongs, and sheds when most of its clients answer late, even though nothing waits in its own fan-out. A
/// client that is not reading does not answer: here that stands for a client whose deliveries arrive late. The
/// thresholds are far apart (a reading client answers in well under a millisecond on loopback; a silent one never),
/// so these assert behaviour, not timing.
/// </summary>
public sealed class PathProbeTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    // Checks every 100 ms; a round is read 150 ms after it started (level 2's threshold), so an unanswered probe reads
    // as at least 150 ms, past level 1's 100 ms.
    private static readonly Dictionary<string, string?> FastChecks = new()
    {
        ["Gateway:Shedding:CheckIntervalMs"] = "100",
        ["Gateway:Shedding:Level1PathLagMs"] = "100",
        ["Gateway:Shedding:Level2PathLagMs"] = "150",
        ["Gateway:Shedding:RecoverAfterMs"] = "60000",
    };

    [Fact]
    public async Task The_gateway_pings_an_identified_connection_and_a_pong_with_another_payload_does_not_answer_it()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, FastChecks);
        await using var client = await RawFrameClient.ConnectAsync(gateway.WebSocketUri);
        Assert.Equal(ServerOp.Hello, ServerFrameReader.Read((await client.ReceiveFrameAsync())!.Value.Payload).Op);
        await client.SendTextAsync(System.Text.Encoding.UTF8.GetString(ClientFrameWriter.Identify(TestKeys.Token("probed", RedisFixture.NewGuild()))));
        Assert.Equal(ServerOp.Ready, ServerFrameReader.Read((await client.ReceiveFrameAsync())!.Value.Payload).Op);

        var ping = await NextPingAsync(client);
        Assert.Equal(8, ping.Length);
        // A wrong answer: the probe stays open, so the same connection gets no new ping while it is unanswered.
        byte[] wrong = [.. ping];
        wrong[0] ^= 0xFF;
        await client.SendFrameAsync(WebSocketOpcode.Pong, wrong);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReceiveFrameAsync(TimeSpan.FromSeconds(1.5)));

        // The right answer, late: from now on the connection is probed again at the next checks.
        await client.SendFrameAsync(WebSocketOpcode.Pong, ping);
        var again = await NextPingAsync(client);
        Assert.NotEqual(ping, again); // each probe carries its own random id
    }

    [Fact]
    public async Task When_most_clients_answer_late_the_low_tier_is_shed_on_path_lag_alone()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, FastChecks);
        string guild = RedisFixture.NewGuild();
        using var stop = new CancellationTokenSource(Bounded);
        // 30 high-tier clients answer their first two pings at once (their own round trip) and every later one 200 ms
        // late, as if their deliveries had started to reach them that late; three low-tier clients read at once.
        // Nothing waits in the gateway's own queues or fan-out.
        var late = new List<Task>();
        for (int i = 0; i < 30; i++) late.Add(await AnswerLateAsync(gateway, TestKeys.Token($"late{i}", Tier.High, guild), TimeSpan.FromMilliseconds(200), stop.Token));
        var low = new List<TestClient>();
        try
        {
            for (int i = 0; i < 3; i++) low.Add(await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token($"low{i}", Tier.Low, guild)));

            foreach (var (code, reason, _) in await Task.WhenAll(low.Select(c => c.ReceiveCloseAsync(Bounded))))
            {
                Assert.Equal(CloseCodes.Shed, code);
                Assert.StartsWith("shedding load", reason, StringComparison.Ordinal);
            }
            var stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
            Assert.True(stats.Shedding.Level >= 1, $"level {stats.Shedding.Level}");
            Assert.Contains("path lag", stats.Shedding.Reason, StringComparison.Ordinal);
            Assert.Equal(30, stats.ConnectionsHigh); // the high tier is never shed
            Assert.Equal(3, stats.ClosesByReason["shed"]);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(late);
            foreach (var client in low) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_few_clients_that_answer_late_shed_no_one()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, FastChecks);
        string guild = RedisFixture.NewGuild();
        var clients = new List<TestClient>();
        try
        {
            // 2 of 16 never answer: an eighth of the sample, below the quarter that moves the 75th percentile.
            for (int i = 0; i < 2; i++) clients.Add(await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token($"silent{i}", Tier.High, guild)));
            var readers = new List<Task>();
            for (int i = 0; i < 14; i++)
            {
                var reader = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token($"low{i}", Tier.Low, guild));
                clients.Add(reader);
                readers.Add(reader.ReceiveCloseAsync(Bounded));
            }

            // Until the path lag has been measured, then 20 more checks.
            var deadline = DateTime.UtcNow + Bounded;
            GatewayStats stats;
            while ((stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest())).PathLagMs == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            Assert.True(stats.PathLagMs > 0, "no path lag was measured");
            await Task.Delay(TimeSpan.FromSeconds(2));

            stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
            Assert.Equal(0, stats.Shedding.Level);
            Assert.False(stats.ClosesByReason.ContainsKey("shed"), $"closes: {stats.ClosesByReason}");
            Assert.Equal(14, stats.ConnectionsLow);
            Assert.All(readers, r => Assert.False(r.IsCompleted));
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    // Identifies a raw client, then answers every ping with its payload, the first two at once and the others after
    // the delay, until stopped.
    private static async Task<Task> AnswerLateAsync(GatewayTestHost gateway, string token, TimeSpan delay, CancellationToken stop)
    {
        var client = await RawFrameClient.ConnectAsync(gateway.WebSocketUri);
        await client.ReceiveFrameAsync(); // hello
        await client.SendTextAsync(System.Text.Encoding.UTF8.GetString(ClientFrameWriter.Identify(token)));
        Assert.Equal(ServerOp.Ready, ServerFrameReader.Read((await client.ReceiveFrameAsync())!.Value.Payload).Op);
        return Task.Run(async () =>
        {
            await using var owned = client;
            try
            {
                for (int answered = 0; !stop.IsCancellationRequested; answered++)
                {
                    var ping = await NextPingAsync(client);
                    if (answered >= 2) await Task.Delay(delay, stop);
                    await client.SendFrameAsync(WebSocketOpcode.Pong, ping);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
    }

    // Skips text frames until the gateway's next ping; returns its payload.
    private static async Task<byte[]> NextPingAsync(RawFrameClient client)
    {
        var deadline = DateTime.UtcNow + Bounded;
        while (DateTime.UtcNow < deadline)
        {
            var frame = await client.ReceiveFrameAsync(Bounded);
            Assert.NotNull(frame);
            if (frame.Value.Header.Opcode == WebSocketOpcode.Ping) return frame.Value.Payload;
        }
        throw new TimeoutException("no ping from the gateway");
    }
}
