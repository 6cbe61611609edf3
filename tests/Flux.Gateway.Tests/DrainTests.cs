using System.Net;
using Flux.Protocol.Admin;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

public sealed class DrainTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Drain_closes_every_connection_with_1001_refuses_new_ones_and_clients_resume_elsewhere()
    {
        await using var draining = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        await using var other = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        string token = TestKeys.Token("ivy", guild);
        await using var ivy = await TestClient.IdentifyAsync(draining.WebSocketUri, token);
        await using var jack = await TestClient.IdentifyAsync(other.WebSocketUri, TestKeys.Token("jack", guild));
        await jack.SendMessageAsync(guild, "before");
        var before = await ivy.ReceiveAsync();

        var reply = await draining.Admin.DrainAsync(new DrainRequest { TimeoutMs = 5000 });
        var (code, _, _) = await ivy.ReceiveCloseAsync();

        Assert.Equal(CloseCodes.Draining, code);
        Assert.Equal(1, reply.ConnectionsClosed);
        using var http = new HttpClient { BaseAddress = draining.HttpUri };
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(draining.WebSocketUri));

        await jack.SendMessageAsync(guild, "during");
        await using var resumed = await TestClient.ConnectAsync(other.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, ivy.Ready!.Session!, new Dictionary<string, long> { [guild] = before.Seq }));
        var frames = await resumed.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed);
        Assert.Equal(["during"], frames.Where(f => f.Op == ServerOp.Message).Select(f => f.Nonce));
    }
}
