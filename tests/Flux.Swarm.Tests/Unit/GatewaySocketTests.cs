using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Flux.Swarm.Users;
using static Flux.Swarm.Tests.Unit.ScriptedWebSocketServer;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The swarm's lean client WebSocket (RFC 6455) against a scripted server on 127.0.0.1 that sends exactly the bytes each test writes.</summary>
public sealed class GatewaySocketTests : IDisposable
{
    private const int MiB = 1 << 20;
    private const int Continuation = 0x0, TextOp = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ScriptedWebSocketServer _server = new();
    private readonly CancellationTokenSource _timeout = new(Timeout);
    private readonly List<IDisposable> _connections = [];

    // Every wait in a test ends within 10 s of its start: a broken client fails the test instead of hanging it.
    private CancellationToken Bounded => _timeout.Token;

    public void Dispose()
    {
        foreach (var connection in _connections) connection.Dispose();
        _server.Dispose();
        _timeout.Dispose();
    }

    // ---- Handshake ----

    [Fact]
    public async Task The_upgrade_request_carries_the_path_query_key_and_version_13()
    {
        var uri = new Uri($"ws://127.0.0.1:{_server.Uri.Port}/gateway?v=1&encoding=json");
        var (_, server) = await ConnectAsync(uri: uri);

        Assert.Equal("GET /gateway?v=1&encoding=json HTTP/1.1", server.RequestLine);
        Assert.Equal($"127.0.0.1:{_server.Uri.Port}", server.Headers["Host"]);
        Assert.Equal("websocket", server.Headers["Upgrade"], ignoreCase: true);
        Assert.Contains("upgrade", server.Headers["Connection"].ToLowerInvariant().Split(',').Select(t => t.Trim()));
        Assert.Equal("13", server.Headers["Sec-WebSocket-Version"]);
        Assert.Equal(16, Convert.FromBase64String(server.Headers["Sec-WebSocket-Key"]).Length);
    }

    [Fact]
    public async Task Each_connection_sends_a_fresh_key()
    {
        var (_, first) = await ConnectAsync();
        var (_, second) = await ConnectAsync();

        Assert.NotEqual(first.Headers["Sec-WebSocket-Key"], second.Headers["Sec-WebSocket-Key"]);
    }

    [Theory]
    [InlineData(HandshakeReply.WrongAccept)]
    [InlineData(HandshakeReply.MissingAccept)]
    [InlineData(HandshakeReply.DisguisedAccept)]
    public async Task A_wrong_Sec_WebSocket_Accept_fails_the_connect_with_an_IOException(HandshakeReply reply)
    {
        var accepting = _server.AcceptAsync(reply, null, Bounded);

        var error = await Assert.ThrowsAsync<IOException>(() => GatewaySocket.ConnectAsync(_server.Uri, Bounded));

        _connections.Add(await accepting);
        Assert.Contains("Sec-WebSocket-Accept", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_upgrade_fails_with_an_IOException_naming_the_status_line()
    {
        var accepting = _server.AcceptAsync(HandshakeReply.BadRequest, null, Bounded);

        var error = await Assert.ThrowsAsync<IOException>(() => GatewaySocket.ConnectAsync(_server.Uri, Bounded));

        _connections.Add(await accepting);
        Assert.Contains("HTTP/1.1 400 Bad Request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_ended_during_the_handshake_fails_with_an_IOException()
    {
        var accepting = _server.AcceptAsync(HandshakeReply.EndConnection, null, Bounded);

        await Assert.ThrowsAsync<IOException>(() => GatewaySocket.ConnectAsync(_server.Uri, Bounded));

        _connections.Add(await accepting);
    }

    [Fact]
    public async Task Frames_in_the_same_packet_as_the_101_response_are_delivered_by_the_first_receive()
    {
        var (client, _) = await ConnectAsync(afterResponse: [.. Text("hello"), .. Text("world")]);
        var delivered = new List<string>();

        Assert.True(await client.ReceiveAsync(m => delivered.Add(Encoding.UTF8.GetString(m)), Bounded));

        Assert.Equal(["hello", "world"], delivered);
    }

    [Fact]
    public async Task A_frame_split_between_the_101_packet_and_the_next_write_is_delivered_whole()
    {
        byte[] frame = Text(Letters(300));
        var (client, server) = await ConnectAsync(afterResponse: frame[..3]);

        await server.WriteAsync(frame[3..], Bounded);

        Assert.Equal([Letters(300)], await ReceiveMessagesAsync(client, 1));
    }

    // ---- Masking ----

    [Fact]
    public async Task Every_client_frame_is_masked_and_unmasks_to_its_payload()
    {
        var (client, server) = await ConnectAsync();

        await client.SendTextAsync(Encoding.UTF8.GetBytes("a message")).WaitAsync(Bounded);
        await server.WriteAsync([.. Frame(Ping, "a ping"u8), .. Text("marker")], Bounded);
        Assert.Equal(["marker"], await ReceiveMessagesAsync(client, 1));
        await client.CloseAsync(1000, "done").WaitAsync(Bounded);

        var frames = new List<ClientFrame>();
        for (int i = 0; i < 3; i++) frames.Add(await server.ReadFrameAsync(Bounded));
        Assert.Equal([TextOp, Close, Pong], frames.Select(f => f.Opcode).Order());
        foreach (var frame in frames)
        {
            Assert.True(frame.Masked, $"opcode {frame.Opcode} unmasked");
            Assert.True(frame.Fin);
            Assert.Equal(0, frame.Reserved);
            Assert.NotEqual(frame.Payload, frame.WirePayload); // the key is not zero: the bytes on the wire differ
        }
        Assert.Equal("a message", Encoding.UTF8.GetString(frames.Single(f => f.Opcode == TextOp).Payload));
        Assert.Equal("a ping", Encoding.UTF8.GetString(frames.Single(f => f.Opcode == Pong).Payload));
        Assert.Equal([0x03, 0xE8, .. "done"u8], frames.Single(f => f.Opcode == Close).Payload);
    }

    [Fact]
    public async Task Two_sends_of_the_same_payload_use_different_masking_keys()
    {
        var (client, server) = await ConnectAsync();
        byte[] payload = Encoding.UTF8.GetBytes("the same payload");

        await client.SendTextAsync(payload).WaitAsync(Bounded);
        await client.SendTextAsync(payload).WaitAsync(Bounded);
        var first = await server.ReadFrameAsync(Bounded);
        var second = await server.ReadFrameAsync(Bounded);

        Assert.Equal(payload, first.Payload);
        Assert.Equal(payload, second.Payload);
        Assert.NotEqual(first.MaskKey, second.MaskKey);
        Assert.NotEqual(first.WirePayload, second.WirePayload);
    }

    // ---- Framing ----

    [Theory]
    [InlineData(0, 0)]
    [InlineData(125, 125)]
    [InlineData(126, 126)]      // 16-bit length
    [InlineData(65535, 126)]
    [InlineData(65536, 127)]    // 64-bit length
    public async Task A_sent_message_uses_the_shortest_length_encoding(int length, int lengthMarker)
    {
        var (client, server) = await ConnectAsync();
        byte[] payload = Encoding.ASCII.GetBytes(Letters(length));

        var reading = server.ReadFrameAsync(Bounded);
        await client.SendTextAsync(payload).WaitAsync(Bounded);
        var frame = await reading;

        Assert.Equal(TextOp, frame.Opcode);
        Assert.True(frame.Masked);
        Assert.Equal(lengthMarker, frame.LengthMarker);
        Assert.Equal(payload, frame.Payload);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65535)]
    [InlineData(65536)]
    public async Task A_received_message_is_delivered_whole_whatever_its_length_encoding(int length)
    {
        var (client, server) = await ConnectAsync();

        var writing = server.WriteAsync([.. Text(Letters(length)), .. Text("next")], Bounded);
        var delivered = await ReceiveMessagesAsync(client, 2);
        await writing;

        Assert.Equal([Letters(length), "next"], delivered);
    }

    [Fact]
    public async Task Many_messages_in_one_TCP_write_are_all_delivered_in_order()
    {
        var (client, server) = await ConnectAsync();
        var random = new Random(7);
        // ~500 KB in one write: far over the client's 16 KiB read buffer, so partial frames straddle its reads.
        var messages = Enumerable.Range(0, 400).Select(i => Letters(i % 80 == 0 ? 70_000 : random.Next(0, 1_500), i)).ToList();

        var writing = server.WriteAsync([.. messages.SelectMany(m => Text(m))], Bounded);
        var delivered = await ReceiveMessagesAsync(client, messages.Count);
        await writing;

        Assert.Equal(messages, delivered);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(300)]
    [InlineData(65536)]
    public async Task A_message_written_one_byte_at_a_time_is_delivered_once_intact(int length)
    {
        var (client, server) = await ConnectAsync();
        byte[] frame = Text(Letters(length));
        int byteByByte = Math.Min(frame.Length, 400); // all of a short frame; the header and a start of a long one
        var delivered = new List<string>();

        // Lockstep: each byte is alone on the wire when the client reads it.
        for (int i = 0; i < byteByByte; i++)
        {
            await server.WriteAsync([frame[i]], Bounded);
            Assert.True(await client.ReceiveAsync(m => delivered.Add(Encoding.UTF8.GetString(m)), Bounded));
            Assert.Equal(i == frame.Length - 1 ? 1 : 0, delivered.Count);
        }
        var writing = server.WriteAsync([.. frame[byteByByte..], .. Text("next")], Bounded);
        delivered.AddRange(await ReceiveMessagesAsync(client, byteByByte == frame.Length ? 1 : 2));
        await writing;

        Assert.Equal([Letters(length), "next"], delivered);
    }

    [Fact]
    public async Task A_message_of_exactly_one_MiB_is_delivered()
    {
        var (client, server) = await ConnectAsync();

        var writing = server.WriteAsync(Text(Letters(MiB)), Bounded);
        var delivered = await ReceiveMessagesAsync(client, 1);
        await writing;

        Assert.Equal([Letters(MiB)], delivered);
    }

    // ---- Fragmentation ----

    [Fact]
    public async Task A_message_in_three_fragments_with_a_ping_between_is_delivered_once_and_the_ping_answered()
    {
        var (client, server) = await ConnectAsync();

        await server.WriteAsync([.. Text("Hel", fin: false), .. Frame(Ping, "between"u8)], Bounded);
        await server.WriteAsync(Frame(Continuation, "lo, "u8, fin: false), Bounded);
        await server.WriteAsync([.. Frame(Continuation, "world"u8), .. Text("next")], Bounded);
        var delivered = await ReceiveMessagesAsync(client, 2);

        Assert.Equal(["Hello, world", "next"], delivered);
        var pong = await server.ReadFrameAsync(Bounded);
        Assert.Equal(Pong, pong.Opcode);
        Assert.True(pong.Masked);
        Assert.Equal("between"u8.ToArray(), pong.Payload);
    }

    [Fact]
    public Task A_continuation_with_no_message_started_throws() =>
        AssertBrokenAsync(Frame(Continuation, "orphan"u8));

    [Fact]
    public Task A_text_frame_inside_an_unfinished_message_throws() =>
        AssertBrokenAsync([.. Text("first half", fin: false), .. Text("another message")]);

    [Fact]
    public Task A_fragmented_message_over_one_MiB_throws() =>
        AssertBrokenAsync([.. Text(Letters(MiB), fin: false), .. Frame(Continuation, "!"u8)]);

    [Fact]
    public Task A_text_frame_inside_an_unfinished_binary_message_throws() =>
        AssertBrokenAsync([.. Frame(Binary, [1, 2, 3], fin: false), .. Text("not a message yet")]);

    [Fact]
    public async Task A_fragmented_binary_message_is_skipped_and_the_connection_goes_on()
    {
        var (client, server) = await ConnectAsync();

        await server.WriteAsync(
            [.. Frame(Binary, [1, 2], fin: false), .. Frame(Ping, "p"u8), .. Frame(Continuation, [3], fin: false), .. Frame(Continuation, [4]), .. Text("after")],
            Bounded);

        Assert.Equal(["after"], await ReceiveMessagesAsync(client, 1));
    }

    // ---- Close handshake ----

    [Fact]
    public async Task A_server_close_frame_ends_receiving_with_its_code()
    {
        var (client, server) = await ConnectAsync();
        var delivered = new List<byte[]>();

        await server.WriteAsync([.. Text("last"), .. Frame(Close, [0x0F, 0xA8, .. "slow consumer"u8]), .. Text("after the close")], Bounded);
        await ReceiveToEndAsync(client, delivered);

        Assert.Equal(["last"], delivered.Select(m => Encoding.UTF8.GetString(m)));
        Assert.Equal(4008, client.CloseStatus);
    }

    [Theory]
    [InlineData(1013, "shedding load; resume after 5000 ms", 5000)]
    [InlineData(1013, "shedding load; retry after 250 ms", 250)]
    [InlineData(1013, "shedding load; resume later", null)]       // no hint: the usual back-off
    [InlineData(1013, "shedding load; resume after -5 ms", null)]  // not a whole number of ms
    [InlineData(1013, "shedding load; resume after 9999999 ms", null)] // over the 10 minutes a hint may ask
    [InlineData(4012, "slow consumer; resume after 5000 ms", null)] // only a shed close carries a hint
    [InlineData(1013, "", null)]                                     // a code and no reason
    [InlineData(1013, "shedding load; resume after 005000 ms", 5000)]
    [InlineData(1013, "thereafter 50 ms", null)]
    public async Task A_shed_close_reports_how_long_it_said_to_stay_away(int code, string reason, int? expected)
    {
        var (client, server) = await ConnectAsync();

        await server.WriteAsync(Frame(Close, [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)]), Bounded);
        await ReceiveToEndAsync(client, []);

        Assert.Equal((code, expected), (client.CloseStatus, client.RetryAfterMs));
    }

    [Fact]
    public async Task A_shed_close_whose_reason_is_not_UTF8_gives_no_hint_and_still_ends_receiving()
    {
        var (client, server) = await ConnectAsync();

        await server.WriteAsync(Frame(Close, [0x03, 0xF5, .. "shedding load; resume after "u8, 0xC3, .. " ms"u8]), Bounded);
        await ReceiveToEndAsync(client, []);

        Assert.Equal((1013, (int?)null), (client.CloseStatus, client.RetryAfterMs));
    }

    [Fact]
    public async Task A_close_frame_with_no_payload_reports_1005()
    {
        var (client, server) = await ConnectAsync();
        var delivered = new List<byte[]>();

        await server.WriteAsync(Frame(Close, []), Bounded);
        await ReceiveToEndAsync(client, delivered);

        Assert.Empty(delivered);
        Assert.Equal(1005, client.CloseStatus);
    }

    [Fact]
    public async Task CloseAsync_sends_one_masked_close_frame_with_the_code_and_reason()
    {
        var (client, server) = await ConnectAsync();

        await client.CloseAsync(1000, "bye").WaitAsync(Bounded);
        var close = await server.ReadFrameAsync(Bounded);
        await client.CloseAsync(1000, "bye again").WaitAsync(Bounded);
        await server.WriteAsync(Frame(Close, [0x03, 0xE8]), Bounded);
        await ReceiveToEndAsync(client, []);
        client.Dispose();

        Assert.Equal(Close, close.Opcode);
        Assert.True(close.Fin);
        Assert.True(close.Masked);
        Assert.Equal([0x03, 0xE8, .. "bye"u8], close.Payload);
        Assert.Equal(1000, client.CloseStatus);
        Assert.Empty(await server.ReadToEndAsync(Bounded)); // the second CloseAsync sent nothing
    }

    // ---- Ping and pong ----

    [Fact]
    public async Task A_ping_is_answered_with_a_masked_pong_carrying_the_same_payload()
    {
        var (client, server) = await ConnectAsync();

        await server.WriteAsync([.. Frame(Ping, "abc"u8), .. Text("marker")], Bounded);
        Assert.Equal(["marker"], await ReceiveMessagesAsync(client, 1));
        var pong = await server.ReadFrameAsync(Bounded);

        Assert.Equal(Pong, pong.Opcode);
        Assert.True(pong.Fin);
        Assert.True(pong.Masked);
        Assert.Equal("abc"u8.ToArray(), pong.Payload);
    }

    [Fact]
    public async Task An_unsolicited_pong_is_ignored()
    {
        var (client, server) = await ConnectAsync();

        await server.WriteAsync([.. Frame(Pong, "unsolicited"u8), .. Text("after")], Bounded);
        Assert.Equal(["after"], await ReceiveMessagesAsync(client, 1));
        client.Dispose();

        Assert.Empty(await server.ReadToEndAsync(Bounded)); // and not answered
    }

    // ---- A server that breaks the rules ----

    [Fact]
    public Task A_masked_server_frame_throws() =>
        AssertBrokenAsync(Frame(TextOp, "masked"u8, maskKey: 0x12345678));

    [Theory]
    [InlineData(4)] // RSV1
    [InlineData(2)] // RSV2
    [InlineData(1)] // RSV3
    public Task A_frame_with_a_reserved_bit_set_throws(int reserved) =>
        AssertBrokenAsync(Frame(TextOp, "{}"u8, reserved: reserved));

    [Theory]
    [InlineData(0x3)]
    [InlineData(0x7)]
    [InlineData(0xB)]
    [InlineData(0xF)]
    public Task A_frame_with_a_reserved_opcode_throws(int opcode) =>
        AssertBrokenAsync(Frame(opcode, "x"u8));

    [Fact]
    public Task A_fragmented_ping_throws() =>
        AssertBrokenAsync([.. Frame(Ping, "pi"u8, fin: false), .. Frame(Continuation, "ng"u8)]);

    [Theory]
    [InlineData(Ping)]
    [InlineData(Pong)]
    [InlineData(Close)]
    public Task A_control_frame_with_a_126_byte_payload_throws(int opcode) =>
        AssertBrokenAsync(Frame(opcode, Encoding.ASCII.GetBytes(Letters(126))));

    [Theory]
    [InlineData(MiB + 1UL)]
    [InlineData(ulong.MaxValue)] // the most significant bit set: not even a valid length
    public Task A_frame_claiming_more_than_one_MiB_throws(ulong claimed) =>
        AssertBrokenAsync([.. Header(TextOp, claimed), .. Encoding.ASCII.GetBytes(Letters(4096))]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Random_bytes_after_the_handshake_deliver_only_what_they_encode_then_throw_or_end(int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[4096];
        random.NextBytes(bytes);

        await AssertLikeReferenceAsync(bytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    public async Task A_corrupted_stream_delivers_only_what_it_still_encodes_then_throws_or_ends(int seed)
    {
        var random = new Random(seed);
        var (stream, frameStarts) = ValidStream(random);
        // A few bit flips, mostly in frame headers, where they change the framing rather than a payload.
        for (int flips = random.Next(1, 4); flips > 0; flips--)
        {
            int at = random.Next(2) == 0 ? frameStarts[random.Next(frameStarts.Count)] + random.Next(4) : random.Next(stream.Length);
            at = Math.Min(at, stream.Length - 1);
            stream[at] ^= (byte)(1 << random.Next(8));
        }
        if (random.Next(3) == 0) stream = stream[..random.Next(stream.Length)];

        await AssertLikeReferenceAsync(stream);
    }

    [Fact]
    public async Task An_uncorrupted_stream_of_every_frame_kind_delivers_every_message()
    {
        var (stream, _) = ValidStream(new Random(42));
        var expected = Reference.Decode(stream);

        Assert.Equal(Reference.Ending.Ended, expected.Ending); // the stream is valid: it just ends
        Assert.NotEmpty(expected.Messages);
        await AssertLikeReferenceAsync(stream);
    }

    // ---- The connection ending ----

    [Fact]
    public async Task A_TCP_end_without_a_close_frame_returns_false_with_no_close_status()
    {
        var (client, server) = await ConnectAsync();
        var delivered = new List<byte[]>();

        await server.WriteAsync(Text("last"), Bounded);
        server.EndOutput();
        await ReceiveToEndAsync(client, delivered);

        Assert.Equal(["last"], delivered.Select(m => Encoding.UTF8.GetString(m)));
        Assert.Null(client.CloseStatus);
    }

    // ---- Helpers ----

    private async Task<(GatewaySocket Client, ScriptedPeer Server)> ConnectAsync(byte[]? afterResponse = null, Uri? uri = null)
    {
        var accepting = _server.AcceptAsync(HandshakeReply.Accept, afterResponse, Bounded);
        var client = await GatewaySocket.ConnectAsync(uri ?? _server.Uri, Bounded);
        _connections.Add(client);
        var server = await accepting;
        _connections.Add(server);
        return (client, server);
    }

    /// <summary>Receives until <paramref name="count"/> messages have arrived (a receive may bring none).</summary>
    private static async Task<List<string>> ReceiveMessagesAsync(GatewaySocket socket, int count)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var delivered = new List<string>();
        while (delivered.Count < count)
        {
            if (!await socket.ReceiveAsync(m => delivered.Add(Encoding.UTF8.GetString(m)), timeout.Token))
            {
                Assert.Fail($"the connection ended after {delivered.Count} of {count} messages (close status {socket.CloseStatus})");
            }
        }
        return delivered;
    }

    /// <summary>Receives until the client reports the connection over, collecting every message.</summary>
    private static async Task ReceiveToEndAsync(GatewaySocket socket, List<byte[]> delivered)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (await socket.ReceiveAsync(m => delivered.Add(m.ToArray()), timeout.Token))
        {
        }
    }

    // The server sends something it may not, then a valid message, and ends the connection: the client throws (it
    // does not return false) and delivers neither.
    private async Task AssertBrokenAsync(byte[] garbage)
    {
        var (client, server) = await ConnectAsync();
        var delivered = new List<byte[]>();

        var writing = WriteAndEndAsync(server, [.. garbage, .. Text("after")]);
        await Assert.ThrowsAsync<IOException>(() => ReceiveToEndAsync(client, delivered));
        client.Dispose();
        await IgnoringResetAsync(writing);

        Assert.Empty(delivered);
    }

    // The server sends the stream and ends the connection: the client delivers exactly the messages a strict decoder
    // finds before the stream breaks a rule, closes or ends, then throws an IOException, or returns false with the
    // close code, or returns false.
    private async Task AssertLikeReferenceAsync(byte[] stream)
    {
        var expected = Reference.Decode(stream);
        var (client, server) = await ConnectAsync();
        var delivered = new List<byte[]>();

        var writing = WriteAndEndAsync(server, stream);
        IOException? broken = null;
        try
        {
            await ReceiveToEndAsync(client, delivered);
        }
        catch (IOException ex)
        {
            broken = ex;
        }
        client.Dispose();
        await IgnoringResetAsync(writing);

        Assert.Equal(expected.Messages.Select(Convert.ToHexString), delivered.Select(Convert.ToHexString));
        Assert.True((expected.Ending == Reference.Ending.Broken) == (broken is not null),
            $"expected {expected.Ending}, the client {(broken is null ? "ended cleanly" : $"threw: {broken.Message}")}");
        Assert.Equal(expected.CloseStatus, client.CloseStatus);
    }

    private async Task WriteAndEndAsync(ScriptedPeer server, byte[] bytes)
    {
        await server.WriteAsync(bytes, Bounded);
        server.EndOutput();
    }

    // Once the client stops reading and closes, the rest of a large write may meet a reset connection.
    private static async Task IgnoringResetAsync(Task writing)
    {
        try
        {
            await writing;
        }
        catch (SocketException)
        {
        }
    }

    // Text frames, pings, pongs, fragmented text with pings between, binary messages whole and fragmented; each
    // frame's start offset too.
    private static (byte[] Stream, List<int> FrameStarts) ValidStream(Random random)
    {
        var frames = new List<byte[]>();
        for (int i = 0; i < 30; i++)
        {
            switch (random.Next(7))
            {
                case 0 or 1 or 2:
                    int length = random.Next(10) switch { 0 => random.Next(126, 3_000), 1 when i % 10 == 0 => 65_536 + random.Next(100), _ => random.Next(0, 126) };
                    frames.Add(Frame(TextOp, Bytes(random, length)));
                    break;
                case 3:
                    frames.Add(Frame(random.Next(2) == 0 ? Ping : Pong, Bytes(random, random.Next(0, 126))));
                    break;
                case 4:
                    frames.Add(Frame(TextOp, Bytes(random, random.Next(0, 200)), fin: false));
                    if (random.Next(2) == 0) frames.Add(Frame(Ping, Bytes(random, 4)));
                    frames.Add(Frame(Continuation, Bytes(random, random.Next(0, 200)), fin: false));
                    frames.Add(Frame(Continuation, Bytes(random, random.Next(0, 200))));
                    break;
                case 5:
                    frames.Add(Frame(Binary, Bytes(random, random.Next(0, 200))));
                    break;
                default:
                    frames.Add(Frame(Binary, Bytes(random, random.Next(0, 200)), fin: false));
                    frames.Add(Frame(Continuation, Bytes(random, random.Next(0, 200))));
                    break;
            }
        }
        var starts = new List<int>();
        int at = 0;
        foreach (var frame in frames)
        {
            starts.Add(at);
            at += frame.Length;
        }
        return ([.. frames.SelectMany(f => f)], starts);
    }

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    // ASCII letters, a different run for each seed.
    private static string Letters(int length, int seed = 0) =>
        string.Create(length, seed, (chars, s) =>
        {
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)('a' + ((i + s) % 26));
        });

    /// <summary>
    /// What a strict client makes of a byte stream from a server, written from RFC 6455 independently of the client:
    /// the messages it delivers, and how the stream ends.
    /// </summary>
    private static class Reference
    {
        public enum Ending { Broken, Closed, Ended }

        public sealed record Result(List<byte[]> Messages, Ending Ending, int? CloseStatus);

        public static Result Decode(byte[] stream)
        {
            var messages = new List<byte[]>();
            List<byte>? text = null; // a text message in fragments
            bool binary = false;     // a binary message in fragments (skipped)
            int at = 0;
            while (true)
            {
                int left = stream.Length - at;
                if (left < 2) return new(messages, Ending.Ended, null);
                bool fin = (stream[at] & 0x80) != 0;
                int reserved = (stream[at] >> 4) & 0x7;
                int opcode = stream[at] & 0xF;
                bool masked = (stream[at + 1] & 0x80) != 0;
                ulong length = (ulong)(stream[at + 1] & 0x7F);
                int header = 2;
                if (length == 126)
                {
                    if (left < 4) return new(messages, Ending.Ended, null);
                    length = BinaryPrimitives.ReadUInt16BigEndian(stream.AsSpan(at + 2));
                    header = 4;
                }
                else if (length == 127)
                {
                    if (left < 10) return new(messages, Ending.Ended, null);
                    length = BinaryPrimitives.ReadUInt64BigEndian(stream.AsSpan(at + 2));
                    header = 10;
                }
                if (masked)
                {
                    if (left < header + 4) return new(messages, Ending.Ended, null);
                    header += 4;
                }

                bool control = (opcode & 0x8) != 0;
                bool inMessage = text is not null || binary;
                bool broken = masked || reserved != 0 || opcode is not (Continuation or TextOp or Binary or Close or Ping or Pong)
                    || (control && (!fin || length > 125)) || length > MiB
                    || (opcode == Continuation && !inMessage) || (opcode is TextOp or Binary && inMessage);
                if (broken) return new(messages, Ending.Broken, null);
                if ((ulong)(left - header) < length) return new(messages, Ending.Ended, null);

                var payload = stream.AsSpan(at + header, (int)length);
                at += header + (int)length;
                switch (opcode)
                {
                    case TextOp when fin:
                        messages.Add(payload.ToArray());
                        break;
                    case TextOp:
                        text = [.. payload];
                        break;
                    case Binary:
                        binary = !fin;
                        break;
                    case Continuation when binary:
                        binary = !fin;
                        break;
                    case Continuation when text is not null:
                        text.AddRange(payload);
                        if (text.Count > MiB) return new(messages, Ending.Broken, null);
                        if (fin)
                        {
                            messages.Add([.. text]);
                            text = null;
                        }
                        break;
                    case Close:
                        return new(messages, Ending.Closed, payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005);
                    default:
                        break; // ping, pong
                }
            }
        }
    }
}
