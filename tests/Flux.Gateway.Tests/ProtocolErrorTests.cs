using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>Every close code and error code of the protocol, triggered by real bad input on a real socket.</summary>
public sealed class ProtocolErrorTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
    {
        ["Gateway:RateLimitSends"] = "10",
        ["Gateway:RateLimitWindowSeconds"] = "60",
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("""{"op":"dance"}""", CloseCodes.UnknownOp)]
    [InlineData("not json at all", CloseCodes.Undecodable)]
    [InlineData("""["op","identify"]""", CloseCodes.Undecodable)]
    [InlineData("""{"op":42}""", CloseCodes.Undecodable)]
    [InlineData("""{"token":"x"}""", CloseCodes.Undecodable)]
    [InlineData("""{"op":"identify"}""", CloseCodes.Undecodable)]
    [InlineData("""{"op":"identify","token":"x"} trailing""", CloseCodes.Undecodable)]
    [InlineData("""{"op":"heartbeat"}""", CloseCodes.NotAuthenticated)]
    [InlineData("""{"op":"send","guild":"g","nonce":"n","body":"b"}""", CloseCodes.NotAuthenticated)]
    [InlineData("""{"op":"identify","token":"not.a.jwt"}""", CloseCodes.InvalidToken)]
    public async Task Bad_first_frame_closes_with_its_code(string frame, int expected)
    {
        await using var client = await TestClient.ConnectAsync(_gateway.WebSocketUri);
        await client.SendTextAsync(frame);
        var (code, reason, _) = await client.ReceiveCloseAsync();
        Assert.Equal(expected, code);
        Assert.False(string.IsNullOrEmpty(reason));
    }

    [Fact]
    public async Task Unknown_op_after_identify_closes_with_4001()
    {
        await using var client = await Identified("g");
        await client.SendTextAsync("""{"op":"dance"}""");
        Assert.Equal(CloseCodes.UnknownOp, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Send_missing_a_field_closes_with_4002()
    {
        await using var client = await Identified("g");
        await client.SendTextAsync("""{"op":"send","guild":"g","body":"no nonce"}""");
        Assert.Equal(CloseCodes.Undecodable, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Binary_frame_closes_with_4002()
    {
        await using var client = await TestClient.ConnectAsync(_gateway.WebSocketUri);
        await client.SendBinaryAsync([1, 2, 3]);
        Assert.Equal(CloseCodes.Undecodable, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Frame_over_the_limit_closes_with_1009()
    {
        await using var client = await TestClient.ConnectAsync(_gateway.WebSocketUri);
        await client.SendTextAsync($$"""{"op":"identify","token":"{{new string('x', 5000)}}"}""");
        Assert.Equal(CloseCodes.FrameTooLarge, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Expired_token_closes_with_4004()
    {
        string expired = TestKeys.Issuer.Issue("old", ["g"], Tier.Normal, TimeSpan.FromMinutes(-5));
        await using var client = await TestClient.ConnectAsync(_gateway.WebSocketUri);
        await client.SendAsync(ClientFrameWriter.Identify(expired));
        Assert.Equal(CloseCodes.InvalidToken, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Token_signed_with_another_key_closes_with_4004()
    {
        var stranger = new TokenIssuer(SigningKey.FromBase64(SigningKey.Generate()));
        await using var client = await TestClient.ConnectAsync(_gateway.WebSocketUri);
        await client.SendAsync(ClientFrameWriter.Identify(stranger.Issue("eve", ["g"])));
        Assert.Equal(CloseCodes.InvalidToken, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Second_identify_closes_with_4005()
    {
        await using var client = await Identified("g");
        await client.SendAsync(ClientFrameWriter.Identify(TestKeys.Token("again", "g")));
        Assert.Equal(CloseCodes.AlreadyAuthenticated, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Too_many_sends_close_with_4008()
    {
        string guild = RedisFixture.NewGuild();
        await using var client = await Identified(guild);
        for (int i = 0; i < 11; i++) await client.SendMessageAsync(guild, $"n{i}");
        var (code, _, frames) = await client.ReceiveCloseAsync();
        Assert.Equal(CloseCodes.RateLimited, code);
        Assert.True(frames.Count(f => f.Op == ServerOp.Message) <= 10);
    }

    [Fact]
    public async Task No_identify_in_time_closes_with_4003()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString,
            new Dictionary<string, string?> { ["Gateway:IdentifyTimeoutMs"] = "300" });
        await using var client = await TestClient.ConnectAsync(gateway.WebSocketUri);
        Assert.Equal(CloseCodes.NotAuthenticated, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Missing_heartbeats_close_with_4009_and_heartbeats_are_acknowledged()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString,
            new Dictionary<string, string?> { ["Gateway:HeartbeatIntervalMs"] = "400" });
        await using var client = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("hb", "g"));
        Assert.Equal(400, client.Hello!.HeartbeatMs);

        await client.SendAsync(ClientFrameWriter.Heartbeat);
        Assert.Equal(ServerOp.HeartbeatAck, (await client.ReceiveAsync()).Op);

        Assert.Equal(CloseCodes.HeartbeatTimeout, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task Per_message_errors_keep_the_connection_open()
    {
        string guild = RedisFixture.NewGuild();
        await using var client = await Identified(guild);

        await client.SendMessageAsync("not-my-guild", "n1");
        await AssertError(client, ErrorCodes.ForbiddenGuild, "n1");

        await client.SendMessageAsync(guild, "n2", new string('x', ProtocolLimits.MaxBodyChars + 1));
        await AssertError(client, ErrorCodes.BodyTooLong, "n2");

        await client.SendTextAsync($$"""{"op":"send","guild":"{{guild}}","nonce":"{{new string('n', 65)}}","body":"b"}""");
        await AssertError(client, ErrorCodes.InvalidField, null);

        await client.SendTextAsync($$"""{"op":"send","guild":"{{guild}}","nonce":"n4","body":"b","ts":"yesterday"}""");
        await AssertError(client, ErrorCodes.InvalidField, "n4");

        await client.SendTextAsync($$"""{"op":"send","guild":"{{guild}}","nonce":"n5","body":"b","trace":"not-a-traceparent"}""");
        await AssertError(client, ErrorCodes.InvalidField, "n5");

        // Still open and working.
        await client.SendMessageAsync(guild, "ok", "fine");
        var message = await client.ReceiveAsync();
        Assert.Equal((ServerOp.Message, "ok", "fine"), (message.Op, message.Nonce, message.Body));
    }

    [Fact]
    public async Task Shedding_refuses_low_tier_with_1013_and_keeps_high()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        string guild = RedisFixture.NewGuild();
        await using var low = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("low", Tier.Low, guild));
        await using var normal = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("normal", Tier.Normal, guild));
        await using var high = await TestClient.IdentifyAsync(gateway.WebSocketUri, TestKeys.Token("high", Tier.High, guild));

        var state = await gateway.Admin.SetSheddingAsync(new SetSheddingRequest { Auto = false, Level = 1 });
        Assert.Equal(1, state.Level);

        // Each close says how long to stay away: the soonest the level can fall (RecoverAfterMs, 5 s by default).
        var shed = await low.ReceiveCloseAsync();
        Assert.Equal((CloseCodes.Shed, "shedding load; resume after 5000 ms"), (shed.Code, shed.Reason));
        await using var lateLow = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await lateLow.SendAsync(ClientFrameWriter.Identify(TestKeys.Token("late", Tier.Low, guild)));
        var refused = await lateLow.ReceiveCloseAsync();
        Assert.Equal((CloseCodes.Shed, "shedding load; retry after 5000 ms"), (refused.Code, refused.Reason));

        await high.SendMessageAsync(guild, "still-here");
        Assert.Equal("still-here", (await high.ReceiveAsync()).Nonce);
        Assert.Equal("still-here", (await normal.ReceiveAsync()).Nonce);

        var stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());
        Assert.Equal((1, 1, 0), (stats.ConnectionsHigh, stats.ConnectionsNormal, stats.ConnectionsLow));
        Assert.True(stats.ClosesByReason["shed"] >= 2);
    }

    private async Task<TestClient> Identified(string guild) =>
        await TestClient.IdentifyAsync(_gateway.WebSocketUri, TestKeys.Token("user-" + Guid.NewGuid().ToString("N")[..6], guild));

    private static async Task AssertError(TestClient client, string code, string? nonce)
    {
        var frame = await client.ReceiveAsync();
        Assert.Equal(ServerOp.Error, frame.Op);
        Assert.Equal(code, frame.Code);
        Assert.Equal(nonce, frame.Nonce);
        Assert.False(string.IsNullOrEmpty(frame.Reason));
    }
}
