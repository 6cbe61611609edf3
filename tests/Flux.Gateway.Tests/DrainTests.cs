using System.Net;
using System.Net.WebSockets;
using Flux.Gateway.Connections;
using Flux.Protocol.Admin;
using Flux.Protocol.Wire;
using Flux.Testing;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public async Task A_connection_upgraded_just_as_a_drain_began_leaves_with_1001_like_the_drained_ones()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        var registry = gateway.Services.GetRequiredService<ConnectionRegistry>();
        string guild = RedisFixture.NewGuild();
        await using var early = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("kai", guild));
        // The window: the drain has taken its snapshot while this upgrade's 101 was already on its way. Closing the
        // registry by hand holds that moment open: the handshake still answers 101, the registration says no.
        registry.CloseToNewConnections();

        using var late = new ClientWebSocket();
        await late.ConnectAsync(gateway.WebSocketUri, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var first = await late.ReceiveAsync(new byte[4096], timeout.Token);

        // Closed before its hello: it never joined.
        Assert.Equal(WebSocketMessageType.Close, first.MessageType);
        Assert.Equal(CloseCodes.Draining, (int?)first.CloseStatus);
        Assert.Equal(DrainCoordinator.CloseReason, first.CloseStatusDescription);
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(registry.Count == 1)), $"{registry.Count} connections registered");
        // The one registered before is the drain's to close.
        var reply = await gateway.Admin.DrainAsync(new DrainRequest { TimeoutMs = 5000 });
        Assert.Equal(CloseCodes.Draining, (await early.ReceiveCloseAsync()).Code);
        Assert.Equal(1, reply.ConnectionsClosed);
    }
}
