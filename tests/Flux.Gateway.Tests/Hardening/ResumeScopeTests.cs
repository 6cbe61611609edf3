using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>A resume replays only what its session could have seen: nothing from before it joined a guild.</summary>
public sealed class ResumeScopeTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Resume_never_replays_messages_from_before_the_session_first_joined_the_guild()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        await using var bob = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("bob", guild));
        for (int i = 0; i < 5; i++) await bob.SendMessageAsync(guild, $"old-{i}");
        await FanoutTests.ReceiveMessagesAsync(bob, 5);

        string token = TestKeys.Token("alice", guild);
        var alice = await TestClient.IdentifyAsync(gateway.WebSocketUri, token);
        long joinedAt = alice.Ready!.Guilds.Single().Seq;
        string session = alice.Ready.Session!;
        alice.Abort();
        await alice.DisposeAsync();
        for (int i = 0; i < 2; i++) await bob.SendMessageAsync(guild, $"new-{i}");
        await FanoutTests.ReceiveMessagesAsync(bob, 2);

        // Asking for everything since seq 0 yields only what came after the join.
        await using var resumed = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await resumed.SendAsync(ClientFrameWriter.Resume(token, session, new Dictionary<string, long> { [guild] = 0 }));
        var frames = await resumed.ReceiveUntilAsync(f => f.Op == ServerOp.Resumed);

        Assert.Equal(5, joinedAt);
        Assert.Equal(["new-0", "new-1"], frames.Where(f => f.Op == ServerOp.Message).Select(f => f.Nonce));
        Assert.DoesNotContain(frames, f => f.Op == ServerOp.Gap);
        Assert.Equal(2, frames[^1].Replayed);
    }
}
