using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>Two gateway instances on one Redis, members on both: everyone gets every message, in seq order.</summary>
public sealed class FanoutTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Members_on_two_instances_receive_every_message_once_in_seq_order()
    {
        await using var gateway1 = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        await using var gateway2 = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        const int membersPerGateway = 3;
        const int messagesPerMember = 20;

        var clients = new List<TestClient>();
        for (int i = 0; i < membersPerGateway * 2; i++)
        {
            var gateway = i % 2 == 0 ? gateway1 : gateway2;
            clients.Add(await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token($"user{i}", guild)));
        }
        long startSeq = clients[0].Ready!.Guilds.Single().Seq;

        // Everyone sends at once, on both instances.
        await Task.WhenAll(clients.Select((client, i) => Task.Run(async () =>
        {
            for (int m = 0; m < messagesPerMember; m++) await client.SendMessageAsync(guild, $"u{i}-m{m}", $"body {i}/{m}", ts: m);
        })));

        int total = clients.Count * messagesPerMember;
        var received = await Task.WhenAll(clients.Select(client => ReceiveMessagesAsync(client, total)));

        foreach (var messages in received)
        {
            Assert.Equal(Enumerable.Range(1, total).Select(n => startSeq + n), messages.Select(m => m.Seq));
            Assert.Equal(total, messages.Select(m => m.Nonce).Distinct().Count());
        }
        // Every connection saw the same message at each seq: one order for the guild across replicas.
        for (int i = 1; i < received.Length; i++)
        {
            Assert.Equal(received[0].Select(m => m.Nonce), received[i].Select(m => m.Nonce));
        }
        // Each sender's own messages keep their send order, fields echoed as sent.
        var first = received[0].Where(m => m.From == "user0").ToList();
        Assert.Equal(Enumerable.Range(0, messagesPerMember).Select(m => $"u0-m{m}"), first.Select(m => m.Nonce));
        Assert.Equal(Enumerable.Range(0, messagesPerMember).Select(m => m.ToString()), first.Select(m => m.Ts));
        Assert.All(first, m => Assert.Equal(guild, m.Guild));

        foreach (var client in clients) await client.DisposeAsync();
    }

    [Fact]
    public async Task Ready_lists_each_guild_with_its_latest_seq()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string busy = RedisFixture.NewGuild(), quiet = RedisFixture.NewGuild();
        await using (var sender = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("sender", busy)))
        {
            for (int i = 0; i < 3; i++) await sender.SendMessageAsync(busy, $"n{i}");
            await ReceiveMessagesAsync(sender, 3);
        }

        await using var client = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("reader", busy, quiet));

        Assert.Equal("reader", client.Ready!.User);
        Assert.False(string.IsNullOrEmpty(client.Ready.Session));
        Assert.Equal(3, client.Ready.Guilds.Single(g => g.Guild == busy).Seq);
        Assert.Equal(0, client.Ready.Guilds.Single(g => g.Guild == quiet).Seq);
    }

    internal static async Task<List<ServerFrame>> ReceiveMessagesAsync(TestClient client, int count, TimeSpan? timeout = null)
    {
        var messages = new List<ServerFrame>();
        while (messages.Count < count)
        {
            var frame = await client.ReceiveAsync(timeout);
            if (frame.Op == ServerOp.Message) messages.Add(frame);
        }
        return messages;
    }
}
