using System.Net.WebSockets;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// Limits hold per user and per client address, not only per connection, so opening more
/// connections buys no more sends, and one address cannot hold the replica's sockets or its token checks.
/// </summary>
public sealed class UserLimitsTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task The_send_limit_counts_every_connection_of_a_user_on_the_replica()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:RateLimitSends"] = "10",
        });
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("tripled", guild);
        await using var first = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);
        await using var second = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);
        await using var third = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);

        // Four sends on each connection, one connection after the other: twelve sends by one user, two over the limit.
        for (int i = 0; i < 4; i++) await first.SendMessageAsync(guild, $"a{i}");
        await FanoutTests.ReceiveMessagesAsync(first, 4);
        for (int i = 0; i < 4; i++) await second.SendMessageAsync(guild, $"b{i}");
        await FanoutTests.ReceiveMessagesAsync(first, 4);
        for (int i = 0; i < 4; i++)
        {
            try
            {
                await third.SendMessageAsync(guild, $"c{i}");
            }
            catch (WebSocketException)
            {
                break;
            }
        }

        Assert.Equal(CloseCodes.RateLimited, (await third.ReceiveCloseAsync()).Code);
        // Only the sends within the user's limit were published: the third connection's first two. The first
        // connection, still open, sees exactly those, and nothing after them.
        var published = await FanoutTests.ReceiveMessagesAsync(first, 2);
        Assert.Equal(["c0", "c1"], published.Select(f => f.Nonce));
        await first.SendAsync(ClientFrameWriter.Heartbeat);
        Assert.Equal(ServerOp.HeartbeatAck, (await first.ReceiveAsync()).Op);
        Assert.Equal(WebSocketState.Open, first.State);
    }

    [Fact]
    public async Task A_user_may_hold_five_connections_and_a_sixth_is_closed_with_4010()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string token = TestKeys.Token("many", RedisFixture.NewGuild());
        var open = new List<TestClient>();
        try
        {
            for (int i = 0; i < 5; i++) open.Add(await TestClient.IdentifyAsync(gateway.WebSocketUri, token));

            await using var sixth = await TestClient.ConnectAsync(gateway.WebSocketUri);
            await sixth.SendAsync(ClientFrameWriter.Identify(token));
            var (code, reason, _) = await sixth.ReceiveCloseAsync();

            Assert.Equal(CloseCodes.TooManyUserConnections, code);
            Assert.Contains("5", reason);
            // One of the five leaves; then there is room again.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await WaitUntilAsync(async () =>
            {
                await using var again = await TestClient.ConnectAsync(gateway.WebSocketUri);
                await again.SendAsync(ClientFrameWriter.Identify(token));
                var (frame, _) = await again.ReceiveOrCloseAsync();
                return frame?.Op == ServerOp.Ready;
            });
        }
        finally
        {
            foreach (var client in open) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Connections_beyond_the_per_address_cap_are_closed_with_4011()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:Limits:MaxConnectionsPerIp"] = "3",
        });
        var open = new List<TestClient>();
        try
        {
            for (int i = 0; i < 3; i++) open.Add(await TestClient.ConnectAsync(gateway.WebSocketUri));

            using var fourth = new ClientWebSocket();
            await fourth.ConnectAsync(gateway.WebSocketUri, CancellationToken.None);
            var result = await fourth.ReceiveAsync(new byte[1024], CancellationToken.None);

            Assert.Equal(WebSocketMessageType.Close, result.MessageType);
            Assert.Equal(CloseCodes.TooManyIpConnections, (int?)fourth.CloseStatus);
        }
        finally
        {
            foreach (var client in open) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Identify_attempts_beyond_the_per_address_rate_close_with_4008()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:Limits:IdentifyPerIpPerSecond"] = "0.1",
            ["Gateway:Limits:IdentifyBurstPerIp"] = "3",
        });
        string guild = RedisFixture.NewGuild();
        for (int i = 0; i < 3; i++)
        {
            await using var allowed = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token($"ok{i}", guild));
        }

        await using var client = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await client.SendAsync(ClientFrameWriter.Identify(TestKeys.Token("one-too-many", guild)));
        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal(CloseCodes.RateLimited, code);
        Assert.Contains("identify", reason);
    }

    [Fact]
    public async Task Kestrels_limit_on_upgraded_connections_comes_from_configuration()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:Limits:MaxConnections"] = "2",
        });
        await using var first = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await using var second = await TestClient.ConnectAsync(gateway.WebSocketUri);

        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(gateway.WebSocketUri));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 20 s");
            await Task.Delay(100);
        }
    }
}
