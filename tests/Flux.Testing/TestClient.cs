using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Flux.Protocol.Wire;
using Xunit;

namespace Flux.Testing;

/// <summary>A real WebSocket client of the gateway that reads frames one at a time, for tests.</summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly WebSocket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private TestClient(WebSocket socket)
    {
        _socket = socket;
    }

    public ServerFrame? Hello { get; private set; }

    public ServerFrame? Ready { get; private set; }

    public WebSocketState State => _socket.State;

    /// <summary>Connects and reads the server's hello.</summary>
    /// <param name="receiveBufferBytes">When set, the client's TCP receive buffer is this small, so a client that stops
    /// reading pushes back on the server quickly (the kernel would otherwise absorb megabytes).</param>
    public static async Task<TestClient> ConnectAsync(Uri uri, int? receiveBufferBytes = null)
    {
        WebSocket socket;
        if (receiveBufferBytes is { } size)
        {
            socket = await RawWebSocket.ConnectAsync(uri, size).ConfigureAwait(false);
        }
        else
        {
            var clientSocket = new ClientWebSocket();
            clientSocket.Options.KeepAliveInterval = TimeSpan.Zero;
            await clientSocket.ConnectAsync(uri, CancellationToken.None).ConfigureAwait(false);
            socket = clientSocket;
        }
        var client = new TestClient(socket);
        client.Hello = await client.ReceiveAsync().ConfigureAwait(false);
        Assert.Equal(ServerOp.Hello, client.Hello.Op);
        return client;
    }

    /// <summary>Connects, identifies, and reads ready.</summary>
    public static async Task<TestClient> IdentifyAsync(Uri uri, string token, int? receiveBufferBytes = null)
    {
        var client = await ConnectAsync(uri, receiveBufferBytes).ConfigureAwait(false);
        await client.SendAsync(ClientFrameWriter.Identify(token)).ConfigureAwait(false);
        client.Ready = await client.ReceiveAsync().ConfigureAwait(false);
        Assert.True(client.Ready.Op == ServerOp.Ready, $"expected ready, got {client.Ready.Op}");
        return client;
    }

    public Task SendAsync(byte[] frame) =>
        _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public Task SendBinaryAsync(byte[] data) =>
        _socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends any bytes as one WebSocket frame of a text message, final or not: for malformed input.</summary>
    public Task SendFragmentAsync(byte[] payload, bool endOfMessage) =>
        _socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage, CancellationToken.None);

    public Task SendMessageAsync(string guild, string nonce, string body = "hello", long? ts = null) =>
        SendAsync(ClientFrameWriter.Send(guild, nonce, body, ts));

    /// <summary>The next frame; fails if none arrives in time or the server closes.</summary>
    public async Task<ServerFrame> ReceiveAsync(TimeSpan? timeout = null)
    {
        var (frame, close) = await ReceiveOrCloseAsync(timeout).ConfigureAwait(false);
        return frame ?? throw new Xunit.Sdk.XunitException($"expected a frame, but the server closed with {close} '{_socket.CloseStatusDescription}'");
    }

    /// <summary>The next frame, or the close code if the server closed instead.</summary>
    public async Task<(ServerFrame? Frame, int? CloseCode)> ReceiveOrCloseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        int length = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no frame within {(timeout ?? DefaultTimeout).TotalSeconds} s");
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (null, (int?)_socket.CloseStatus);
            }
            length += result.Count;
            if (result.EndOfMessage) break;
        }
        try
        {
            return (ServerFrameReader.Read(_buffer.AsSpan(0, length)), null);
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"undecodable frame '{Encoding.UTF8.GetString(_buffer, 0, length)}': {ex.Message}");
        }
    }

    /// <summary>Reads frames until one matches; frames before it are returned too, in order.</summary>
    public async Task<List<ServerFrame>> ReceiveUntilAsync(Func<ServerFrame, bool> done, TimeSpan? timeout = null)
    {
        var frames = new List<ServerFrame>();
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero) throw new TimeoutException($"the expected frame did not arrive; got {frames.Count} others");
            var (frame, close) = await ReceiveOrCloseAsync(remaining).ConfigureAwait(false);
            if (frame is null)
            {
                throw new Xunit.Sdk.XunitException(
                    $"expected a frame, but the server closed with {close} '{_socket.CloseStatusDescription}' after {frames.Count} others ({string.Join(", ", frames.Select(f => f.Op))})");
            }
            frames.Add(frame);
            if (done(frame)) return frames;
        }
    }

    /// <summary>Reads until the server closes; returns its close code and reason, and the frames before it.</summary>
    public async Task<(int Code, string? Reason, List<ServerFrame> Frames)> ReceiveCloseAsync(TimeSpan? timeout = null)
    {
        var frames = new List<ServerFrame>();
        while (true)
        {
            var (frame, close) = await ReceiveOrCloseAsync(timeout).ConfigureAwait(false);
            if (frame is null)
            {
                return (close ?? 0, _socket.CloseStatusDescription, frames);
            }
            frames.Add(frame);
        }
    }

    /// <summary>Drops the connection without a close handshake, as a network failure would.</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }
}
