using System.Net.WebSockets;
using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>
/// A shed session is marked in Redis, and the replica it resumes on lets it back through its readmission gate: at once
/// when that replica is calm, refused with 1013 while it is not (docs/protocol.md, "Load shedding").
/// </summary>
public sealed class ReadmissionTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_shed_session_is_marked_and_a_calm_replica_resumes_it_at_once_and_clears_the_mark()
    {
        await using var shedding = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        await using var calm = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("lou", Tier.Low, guild);
        await using var low = await TestClient.IdentifyAsync(shedding.WebSocketUri, token);
        var key = (StackExchange.Redis.RedisKey)$"flux:session:{low.Ready!.Session}";

        await shedding.Admin.SetSheddingAsync(new SetSheddingRequest { Auto = false, Level = 1 });
        Assert.Equal(CloseCodes.Shed, (await low.ReceiveCloseAsync()).Code);
        Assert.True(await Poll.UntilAsync(async () => await redis.GetDatabase().HashExistsAsync(key, "shed")), "the shed session was not marked");

        await using var resumed = await TestClient.ConnectAsync(calm.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, low.Ready.Session!, new Dictionary<string, long> { [guild] = 0 }));
        Assert.Equal(ServerOp.Resumed, (await resumed.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed))[^1].Op);
        Assert.True(await Poll.UntilAsync(async () => !await redis.GetDatabase().HashExistsAsync(key, "shed")), "the mark outlived the resume");
        Assert.Equal("lou", (string?)await redis.GetDatabase().HashGetAsync(key, "user")); // the rest of the session stays
    }

    [Fact]
    public async Task A_replica_that_is_not_calm_refuses_a_shed_session_through_its_gate_but_not_a_fresh_identify()
    {
        await using var shedding = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        // The busy replica's lag never raises its level here (RaiseAfterMs of ten minutes): what refuses is the gate.
        await using var busy = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            // A check reads the largest fan-out lag of its interval: a long one is not calm however the sender stalls.
            ["Gateway:Shedding:CheckIntervalMs"] = "1000",
            ["Gateway:Shedding:RaiseAfterMs"] = "600000",
            ["Gateway:Shedding:PathProbesPerCheck"] = "0",
            ["Gateway:RateLimitSends"] = "100000",
        });
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("lena", Tier.Low, guild);
        await using var low = await TestClient.IdentifyAsync(shedding.WebSocketUri, token);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        await shedding.Admin.SetSheddingAsync(new SetSheddingRequest { Auto = false, Level = 1 });
        Assert.Equal(CloseCodes.Shed, (await low.ReceiveCloseAsync()).Code);
        var key = (StackExchange.Redis.RedisKey)$"flux:session:{low.Ready!.Session}";
        Assert.True(await Poll.UntilAsync(async () => await redis.GetDatabase().HashExistsAsync(key, "shed")), "the shed session was not marked");

        // Every message reaches the busy replica's members 300 ms late: a fan-out lag of twice level 1's threshold.
        await using var high = await TestClient.IdentifyAsync(busy.WebSocketUri, TestKeys.Token("hal", Tier.High, guild));
        await busy.Admin.InjectFaultAsync(new InjectFaultRequest { FanoutDelay = new FanoutDelay { DelayMs = 300, Seconds = 60 } });
        using var traffic = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            // hal reads what it sends, so it is never a slow consumer; the loop ends when the connection does.
            try
            {
                while (!traffic.IsCancellationRequested && (await high.ReceiveOrCloseAsync(TimeSpan.FromSeconds(30))).CloseCode is null)
                {
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or TimeoutException)
            {
                // aborted at the end of the test
            }
        });
        var sending = Task.Run(async () =>
        {
            // Every check interval (250 ms) sees a score of late messages, so none of them reads as calm.
            for (int i = 0; i < 3_000 && !traffic.IsCancellationRequested; i++)
            {
                await high.SendMessageAsync(guild, $"m{i}");
                await Task.Delay(10);
            }
        });
        try
        {
            Assert.True(await Poll.UntilAsync(async () => (await busy.Admin.GetStatsAsync(new GetStatsRequest())).FanoutLagMs >= 150), "no fan-out lag");

            // A fresh identify of the tier is no one coming back: it is let in, and starts no gate.
            await using var fresh = await TestClient.IdentifyAsync(busy.WebSocketUri, TestKeys.Token("lisa", Tier.Low, guild));
            Assert.Equal(0, (await busy.Admin.GetStatsAsync(new GetStatsRequest())).Shedding.ReadmitLowPerSecond);

            Assert.True(await Poll.UntilAsync(async () => (await busy.Admin.GetStatsAsync(new GetStatsRequest())).FanoutLagMs >= 150), "no fan-out lag");
            await using var refused = await TestClient.ConnectAsync(busy.WebSocketUri);
            await refused.SendAsync(ClientFrameWriter.Resume(token, low.Ready!.Session!, new Dictionary<string, long> { [guild] = 0 }));
            var (code, reason, _) = await refused.ReceiveCloseAsync();
            Assert.Equal((CloseCodes.Shed, "shedding load; retry after 5000 ms"), (code, reason));
            // The refusal asked for the tier's gate; the next check starts it.
            Assert.True(await Poll.UntilAsync(async () => (await busy.Admin.GetStatsAsync(new GetStatsRequest())).Shedding.ReadmitLowPerSecond > 0),
                "the low tier's gate did not start");
            Assert.Equal(0, (await busy.Admin.GetStatsAsync(new GetStatsRequest())).Shedding.Level);
        }
        finally
        {
            await traffic.CancelAsync();
            await sending;
            high.Abort();
            await reading;
        }
    }


    [Fact]
    public async Task A_user_kept_out_longer_than_its_resume_window_keeps_its_session_while_it_retries()
    {
        // A 4 s window; the replica refuses the low tier for 6 s, and the user retries every half second meanwhile (each
        // retry well within the window of the one before, even on a busy machine).
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:ResumeWindowSeconds"] = "4",
        });
        await using var other = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("lin", Tier.Low, guild);
        await using var low = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);
        await using var sender = await TestClient.IdentifyAsync(other.WebSocketUri, TestKeys.Token("sid", Tier.High, guild));
        string session = low.Ready!.Session!;

        await gateway.Admin.SetSheddingAsync(new SetSheddingRequest { Auto = false, Level = 1 });
        Assert.Equal(CloseCodes.Shed, (await low.ReceiveCloseAsync()).Code);
        await sender.SendMessageAsync(guild, "while away");
        var firstRefusal = DateTime.UtcNow;
        var lastRefusal = firstRefusal;
        int refusals = 0;
        while (true)
        {
            await using var retry = await TestClient.ConnectAsync(gateway.WebSocketUri);
            await retry.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 0 }));
            var (code, reason, _) = await retry.ReceiveCloseAsync();
            // Refused, never 4007: the session is still there.
            Assert.True(code == CloseCodes.Shed, $"retry {refusals + 1}, {(DateTime.UtcNow - lastRefusal).TotalSeconds:0.0} s after the last refusal: {code} '{reason}'");
            refusals++;
            lastRefusal = DateTime.UtcNow;
            if (lastRefusal - firstRefusal >= TimeSpan.FromSeconds(6)) break;
            await Task.Delay(500);
        }
        await gateway.Admin.SetSheddingAsync(new SetSheddingRequest { Auto = false, Level = 0 });

        await using var back = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await back.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 0 }));
        var sinceLastRefusal = DateTime.UtcNow - lastRefusal;
        List<ServerFrame> frames;
        try
        {
            frames = await back.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed);
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            throw new Xunit.Sdk.XunitException($"the resume {sinceLastRefusal.TotalSeconds:0.0} s after the last of {refusals} refusals: {ex.Message}");
        }

        Assert.Equal(["while away"], frames.Where(f => f.Op == ServerOp.Message).Select(f => f.Nonce));
    }
}
