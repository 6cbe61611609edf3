using System.Buffers.Binary;
using System.Text;
using Flux.Protocol.WebSockets;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>
/// The gateway's own RFC 6455 framing, driven byte by byte over a real socket: the handshake, what a client frame may
/// and may not be, fragments, pings, and the close handshake ending in a clean close rather than a reset.
/// </summary>
public sealed class WebSocketFramingTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task The_handshake_answers_101_with_the_accept_key_and_hello_follows()
    {
        const string key = "dGhlIHNhbXBsZSBub25jZQ==";
        await using var client = await RawFrameClient.ConnectAsync(_gateway.WebSocketUri, new Dictionary<string, string?> { ["Sec-WebSocket-Key"] = key });

        Assert.True(client.Upgraded, client.Handshake);
        // RFC 6455, section 1.3: the accept value for this sample key.
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", client.Handshake);
        var hello = await client.ReceiveFrameAsync();
        Assert.Equal(WebSocketOpcode.Text, hello!.Value.Header.Opcode);
        Assert.False(hello.Value.Header.Masked);
        Assert.Equal(ServerOp.Hello, ServerFrameReader.Read(hello.Value.Payload).Op);
    }

    [Theory]
    [InlineData("Sec-WebSocket-Version", "8", "426")]
    [InlineData("Sec-WebSocket-Key", "not-a-key", "400")]
    [InlineData("Sec-WebSocket-Key", null, "400")]
    public async Task A_bad_handshake_is_refused_before_the_upgrade(string header, string? value, string status)
    {
        await using var client = await RawFrameClient.ConnectAsync(_gateway.WebSocketUri, new Dictionary<string, string?> { [header] = value });

        Assert.StartsWith($"HTTP/1.1 {status}", client.Handshake);
        if (status == "426") Assert.Contains("Sec-WebSocket-Version: 13", client.Handshake);
    }

    public static TheoryData<string, byte[], int> BadFrames => new()
    {
        { "unmasked", RawFrameClient.Frame(WebSocketOpcode.Text, """{"op":"heartbeat"}"""u8, fin: true, reserved: 0, mask: null), CloseCodes.ProtocolError },
        { "reserved bit", RawFrameClient.Frame(WebSocketOpcode.Text, """{"op":"heartbeat"}"""u8, fin: true, reserved: 4, mask: [1, 2, 3, 4]), CloseCodes.ProtocolError },
        { "reserved opcode", RawFrameClient.Frame((WebSocketOpcode)0x3, "x"u8, fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.ProtocolError },
        { "fragmented ping", RawFrameClient.Frame(WebSocketOpcode.Ping, "x"u8, fin: false, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.ProtocolError },
        { "ping over 125 bytes", RawFrameClient.Frame(WebSocketOpcode.Ping, new byte[126], fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.ProtocolError },
        { "continuation first", RawFrameClient.Frame(WebSocketOpcode.Continuation, "x"u8, fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.ProtocolError },
        { "one-byte close", RawFrameClient.Frame(WebSocketOpcode.Close, [3], fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.ProtocolError },
        { "close code 1005", RawFrameClient.Frame(WebSocketOpcode.Close, [0x03, 0xED], fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.ProtocolError },
        { "close reason not UTF-8", RawFrameClient.Frame(WebSocketOpcode.Close, [0x03, 0xE8, 0xC3, 0x28], fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.InvalidPayload },
        { "binary", RawFrameClient.Frame(WebSocketOpcode.Binary, [1, 2, 3], fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.Undecodable },
        { "empty text", RawFrameClient.Frame(WebSocketOpcode.Text, [], fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.Undecodable },
        { "invalid UTF-8", RawFrameClient.Frame(WebSocketOpcode.Text, [0x7B, 0xFF, 0x7D], fin: true, reserved: 0, mask: [1, 2, 3, 4]), CloseCodes.InvalidPayload },
        { "a 64-bit length", [0x81, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4], CloseCodes.FrameTooLarge },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Every_bad_frame_gets_its_close_code_and_a_clean_close(string what, byte[] frame, int code)
    {
        await using var client = await Connected();

        await client.SendRawAsync(frame);
        var (received, _) = await client.ReceiveCloseAsync();

        Assert.True(received == code, $"{what}: closed with {received}, expected {code}");
        // The client answers the close; the gateway then ends the connection with a FIN, not a reset.
        await client.SendFrameAsync(WebSocketOpcode.Close, [0x03, 0xE8]);
        Assert.True(await client.EndsCleanlyAsync(), $"{what}: the connection was reset");
    }

    [Fact]
    public async Task A_message_in_fragments_with_a_ping_between_them_is_reassembled_and_the_ping_answered()
    {
        await using var client = await Connected();
        byte[] identify = ClientFrameWriter.Identify(TestKeys.Token("frag", RedisFixture.NewGuild()));
        int half = identify.Length / 2;

        await client.SendFrameAsync(WebSocketOpcode.Text, identify.AsSpan(0, half), fin: false);
        await client.SendFrameAsync(WebSocketOpcode.Ping, "are you there"u8);
        await client.SendFrameAsync(WebSocketOpcode.Continuation, identify.AsSpan(half), fin: true);

        var first = await client.ReceiveFrameAsync();
        var second = await client.ReceiveFrameAsync();
        var frames = new[] { first!.Value, second!.Value };
        var pong = Assert.Single(frames, f => f.Header.Opcode == WebSocketOpcode.Pong);
        Assert.Equal("are you there", Encoding.UTF8.GetString(pong.Payload));
        var ready = Assert.Single(frames, f => f.Header.Opcode == WebSocketOpcode.Text);
        Assert.Equal(ServerOp.Ready, ServerFrameReader.Read(ready.Payload).Op);
    }

    [Fact]
    public async Task Frames_split_across_many_small_writes_are_read_whole()
    {
        await using var client = await Connected();
        byte[] identify = RawFrameClient.Frame(WebSocketOpcode.Text, ClientFrameWriter.Identify(TestKeys.Token("slow", RedisFixture.NewGuild())),
            fin: true, reserved: 0, mask: [9, 8, 7, 6]);

        await client.SendRawAsync(identify, chunk: 3); // the header itself arrives in pieces

        var ready = await client.ReceiveFrameAsync();
        Assert.Equal(ServerOp.Ready, ServerFrameReader.Read(ready!.Value.Payload).Op);
    }

    [Fact]
    public async Task Pongs_from_the_client_are_ignored()
    {
        await using var client = await Connected();

        await client.SendFrameAsync(WebSocketOpcode.Pong, "unsolicited"u8);
        await client.SendTextAsync(Encoding.UTF8.GetString(ClientFrameWriter.Identify(TestKeys.Token("pong", RedisFixture.NewGuild()))));

        var next = await client.ReceiveFrameAsync();
        Assert.Equal(ServerOp.Ready, ServerFrameReader.Read(next!.Value.Payload).Op);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4321)]
    public async Task A_close_from_the_client_is_echoed_with_its_code(int code)
    {
        await using var client = await Connected();
        byte[] body = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);

        await client.SendFrameAsync(WebSocketOpcode.Close, body);

        Assert.Equal(code, (await client.ReceiveCloseAsync()).Code);
        Assert.True(await client.EndsCleanlyAsync());
    }

    [Fact]
    public async Task A_close_without_a_code_is_answered_with_1000()
    {
        await using var client = await Connected();

        await client.SendFrameAsync(WebSocketOpcode.Close, []);

        Assert.Equal(1000, (await client.ReceiveCloseAsync()).Code);
    }

    [Fact]
    public async Task A_client_that_never_answers_the_close_is_still_ended_with_a_fin_after_the_grace()
    {
        await using var client = await Connected();

        await client.SendFrameAsync(WebSocketOpcode.Binary, [1]);

        Assert.Equal(CloseCodes.Undecodable, (await client.ReceiveCloseAsync()).Code);
        Assert.True(await client.EndsCleanlyAsync());
    }

    private async Task<RawFrameClient> Connected()
    {
        var client = await RawFrameClient.ConnectAsync(_gateway.WebSocketUri);
        Assert.True(client.Upgraded, client.Handshake);
        var hello = await client.ReceiveFrameAsync();
        Assert.Equal(ServerOp.Hello, ServerFrameReader.Read(hello!.Value.Payload).Op);
        return client;
    }
}
