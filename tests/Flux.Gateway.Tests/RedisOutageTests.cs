using System.Net;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>Redis goes away and comes back: the gateway says so, answers sends honestly, and recovers by itself.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task While_Redis_is_down_sends_fail_with_unavailable_and_health_is_unhealthy_then_it_recovers()
    {
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);
        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString);
        using var http = new HttpClient { BaseAddress = gateway.HttpUri };
        string guild = RedisFixture.NewGuild();
        await using var client = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("kim", guild));
        await using var peer = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("lee", guild));
        await client.SendMessageAsync(guild, "first");
        Assert.Equal(1, (await client.ReceiveAsync()).Seq);
        Assert.Equal(1, (await peer.ReceiveAsync()).Seq);

        // The embedded server commits its append-only file once a second, so a crash may lose about the last second
        // (README.md, Flux:Redis:Durability everysec). This test is about the outage: the first message is committed
        // (COMMITAOF answers once it is on disk) before the crash.
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            await admin.GetDatabase().ExecuteAsync("COMMITAOF");
        }
        await redis.StopAsync();
        await WaitUntil(async () => (await http.GetAsync("/health")).StatusCode == HttpStatusCode.ServiceUnavailable);
        await client.SendMessageAsync(guild, "lost?");
        var error = await client.ReceiveAsync();
        Assert.Equal((ServerOp.Error, ErrorCodes.Unavailable, "lost?"), (error.Op, error.Code, error.Nonce));

        await redis.RestartAsync();
        await WaitUntil(async () => (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK);
        // Resubscribed: a message sent now reaches both members, and seqs continue (the embedded server keeps its AOF).
        await WaitUntil(async () =>
        {
            await client.SendMessageAsync(guild, "again");
            var frame = await client.ReceiveAsync();
            return frame.Op == ServerOp.Message;
        });
        var delivered = await peer.ReceiveAsync();
        Assert.Equal(("again", 2L), (delivered.Nonce, delivered.Seq));
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 30 s");
            await Task.Delay(200);
        }
    }
}
