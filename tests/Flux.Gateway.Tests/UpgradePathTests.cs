using System.Net.Sockets;
using System.Text;
using Flux.Gateway.Connections;
using Flux.Protocol.Wire;
using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>
/// The two ways a WebSocket reaches the gateway: taken straight off a new connection (the lean path, which holds no
/// HTTP request for the connection's life), or through Kestrel's HTTP layer when the upgrade follows another request on
/// the same connection. Other requests pass through the lean path untouched. Raw sockets, byte for byte.
/// </summary>
public sealed class UpgradePathTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";
    private const string Accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString,
        new Dictionary<string, string?> { ["Gateway:HandshakeTimeoutMs"] = "1500" });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_request_head_sent_a_byte_at_a_time_is_upgraded()
    {
        using var socket = await ConnectAsync();
        foreach (byte b in Encoding.ASCII.GetBytes(UpgradeRequest())) await socket.SendAsync(new[] { b }, SocketFlags.None);

        string response = await ReadHeadAsync(socket);

        Assert.StartsWith("HTTP/1.1 101", response);
        Assert.Contains($"Sec-WebSocket-Accept: {Accept}", response);
    }

    [Fact]
    public async Task Health_on_a_new_connection_passes_through_to_http()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, "GET /alive HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", await ReadHeadAsync(socket));
    }

    [Fact]
    public async Task An_upgrade_after_another_request_on_the_same_connection_goes_through_http_and_works()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, "GET /alive HTTP/1.1\r\nHost: x\r\n\r\n");
        string first = await ReadResponseAsync(socket);
        Assert.StartsWith("HTTP/1.1 200", first);

        await SendAsync(socket, UpgradeRequest());
        string second = await ReadHeadAsync(socket);

        Assert.StartsWith("HTTP/1.1 101", second);
        Assert.Contains($"Sec-WebSocket-Accept: {Accept}", second);
    }

    [Theory]
    [InlineData("GET /gateway HTTP/1.1\r\nHost: x\r\n\r\n", "400", "accepts WebSocket upgrades only")]
    [InlineData("GET /gateway?v=2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "400", "Unsupported protocol version '2'")]
    [InlineData("GET /gateway HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "426", "Sec-WebSocket-Version must be 13")]
    [InlineData("GET /gateway HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "400", "accepts WebSocket upgrades only")]
    public async Task A_refused_upgrade_gets_its_status_and_reason_and_the_connection_closes(string request, string status, string reason)
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, request);

        string response = await ReadToEndAsync(socket);

        Assert.StartsWith($"HTTP/1.1 {status}", response);
        Assert.Contains(reason, response);
    }

    [Fact]
    public async Task A_request_head_that_never_ends_is_dropped_after_the_handshake_timeout()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, "GET /gateway HTTP/1.1\r\nHost: x\r\n"); // no blank line

        var started = DateTime.UtcNow;
        string response = await ReadToEndAsync(socket, TimeSpan.FromSeconds(15));

        Assert.Equal("", response);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task At_its_connection_cap_a_replica_answers_503_with_retry_after()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString,
            new Dictionary<string, string?> { ["Gateway:Limits:MaxConnections"] = "1" });
        await using var first = await TestClient.ConnectAsync(gateway.WebSocketUri);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", gateway.HttpPort);

        await SendAsync(socket, UpgradeRequest());
        string response = await ReadToEndAsync(socket);

        Assert.StartsWith("HTTP/1.1 503", response);
        Assert.Contains("Retry-After: 1", response);
        Assert.Contains("maximum of 1 connections", response);
    }

    [Fact]
    public void The_parser_leaves_other_requests_alone_after_a_few_bytes()
    {
        Assert.Equal(RequestHeadParser.Status.NotOurs, Parse("POST /gateway HTTP/1.1\r\n"));
        Assert.Equal(RequestHeadParser.Status.NotOurs, Parse("PRI * HTTP/2.0\r\n"));
        Assert.Equal(RequestHeadParser.Status.NotOurs, Parse("GET /health HTTP/1.1\r\n")); // the request line is enough
        Assert.Equal(RequestHeadParser.Status.NeedMore, Parse("GE"));
        Assert.Equal(RequestHeadParser.Status.NeedMore, Parse("GET /gateway?v=1 HTTP/1.1\r\nHost: x\r\n"));
        Assert.Equal(RequestHeadParser.Status.NotOurs, Parse("GET /gateway HTTP/1.1\r\nX: " + new string('a', RequestHeadParser.MaxHeadBytes)));
        Assert.Equal(RequestHeadParser.Status.Gateway, Parse(UpgradeRequest()));
    }

    private static RequestHeadParser.Status Parse(string text) =>
        RequestHeadParser.TryParse(new System.Buffers.ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _, out _);

    private static string UpgradeRequest() =>
        $"GET /gateway?v=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n\r\n";

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", _gateway.HttpPort);
        return socket;
    }

    private static Task SendAsync(Socket socket, string text) => socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    // Reads up to the end of the response head.
    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!received.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0) break;
            received.Append((char)buffer[0]);
        }
        return received.ToString();
    }

    // Reads a whole response: a Content-Length body, or a chunked one up to its last chunk.
    private static async Task<string> ReadResponseAsync(Socket socket)
    {
        string head = await ReadHeadAsync(socket);
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var chunked = new StringBuilder();
            var one = new byte[1];
            while (!chunked.ToString().EndsWith("0\r\n\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(one, SocketFlags.None) > 0)
            {
                chunked.Append((char)one[0]);
            }
            return head + chunked;
        }
        var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        int bytes = length is null ? 0 : int.Parse(length["Content-Length:".Length..].Trim());
        var body = new byte[bytes];
        int read = 0;
        while (read < bytes) read += await socket.ReceiveAsync(body.AsMemory(read), SocketFlags.None);
        return head + Encoding.UTF8.GetString(body);
    }

    private static async Task<string> ReadToEndAsync(Socket socket, TimeSpan? wait = null)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(10));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) received.Write(buffer, 0, read);
        }
        catch (SocketException)
        {
            // a reset ends it too
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }
}
