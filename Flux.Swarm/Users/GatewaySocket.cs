using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Flux.Protocol.Net;
using Flux.Protocol.WebSockets;
using Flux.Protocol.Wire;

namespace Flux.Swarm.Users;

/// <summary>
/// A lean client WebSocket (RFC 6455) for thousands of simulated users. ClientWebSocket read each message in
/// several small reads, and each read cost a system call and a TCP acknowledgement: with tens of thousands of
/// messages a second, that was most of the swarm's CPU (measured with perf). This one waits with a zero-byte read,
/// then takes whatever has arrived in one large read into a pooled buffer and hands over every complete message in
/// it. The buffer goes back to the pool whenever no partial frame is left, so an idle user holds none.
/// <para>
/// It reassembles fragmented messages, answers pings, reports the server's close code, and treats anything a server
/// may not send (a masked frame, reserved bits or opcodes, a bad control frame, fragments out of order) as a broken
/// connection (<see cref="IOException"/>), never as data.
/// </para>
/// </summary>
internal sealed class GatewaySocket : IDisposable
{
    private const int ReadBufferBytes = 16 * 1024;
    private const int MaxMessageBytes = 1 << 20;
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly Socket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _closed;
    private bool _pending;
    // A fragmented message being reassembled (rare: the gateway never fragments).
    private ArrayBufferWriter<byte>? _fragments;
    // A fragmented binary message being skipped: its continuations are not text, and no message may begin inside it.
    private bool _skippingBinary;

    private GatewaySocket(Socket socket) => _socket = socket;

    /// <summary>The close code the server sent, once it has.</summary>
    public int? CloseStatus { get; private set; }

    /// <summary>How long a 1013 (shed) close said to stay away (its reason's <c>after N ms</c>), or null.</summary>
    public int? RetryAfterMs { get; private set; }

    /// <summary>Connects and performs the opening handshake.</summary>
    /// <param name="route">A loopback source address to connect from and the gateway's IPv4 endpoint (see
    /// <see cref="SourceAddresses"/>), or null to connect by the URI's host from any address.</param>
    /// <exception cref="IOException">The connection or the upgrade failed.</exception>
    public static async Task<GatewaySocket> ConnectAsync(Uri uri, CancellationToken cancellationToken, (IPAddress Source, IPEndPoint Target)? route = null)
    {
        var socket = route is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (route is { } r)
            {
                SourceBinding.Bind(socket, r.Source);
                await socket.ConnectAsync(r.Target, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(new DnsEndPoint(uri.Host, uri.Port), cancellationToken).ConfigureAwait(false);
            }
            string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            string request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                             $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var connection = new GatewaySocket(socket);
            await connection.ReadHandshakeAsync(key, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw new IOException($"cannot connect to {uri}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for data and hands every complete text message to <paramref name="onMessage"/>. Returns false once the
    /// server has closed (see <see cref="CloseStatus"/>) or the connection ended.
    /// </summary>
    /// <exception cref="IOException">The server broke the framing rules.</exception>
    // Pooled: nearly every call waits for data, and each wait would otherwise allocate its state machine, once per
    // delivery, which was most of what the swarm's garbage collections collected.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReceiveAsync(Action<ReadOnlySpan<byte>> onMessage, CancellationToken cancellationToken)
    {
        if (_pending)
        {
            // Frames that arrived with the handshake response.
            _pending = false;
            return DeliverAndRelease(onMessage);
        }
        if (_buffer is null)
        {
            // Wait without a buffer: an idle user costs no receive memory.
            await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            _buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
            _start = _end = 0;
        }
        if (_end == _buffer.Length) Compact();
        int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (read == 0) return false;
        _end += read;
        return DeliverAndRelease(onMessage);
    }

    private bool DeliverAndRelease(Action<ReadOnlySpan<byte>> onMessage)
    {
        bool open = DeliverFrames(onMessage);
        if (_start == _end && _buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return open;
    }

    /// <summary>Sends one text message (masked, as a client must).</summary>
    public Task SendTextAsync(ReadOnlyMemory<byte> payload) => SendFrameAsync(WebSocketOpcode.Text, payload.Span);

    /// <summary>Sends a close frame; the server answers with its own and closes.</summary>
    public async Task CloseAsync(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        byte[] payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        await SendFrameAsync(WebSocketOpcode.Close, payload).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one frame, masked, with the bits given: for the fuzzing clients, which also send what a client must not
    /// (reserved bits, unfinished fragments, odd opcodes).
    /// </summary>
    public Task SendFrameAsync(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true, int reserved = 0) =>
        SendBytesAsync(Frame(opcode, payload, fin, reserved));

    /// <summary>Sends bytes exactly as given, framed or not.</summary>
    public Task SendRawAsync(byte[] bytes) => SendBytesAsync(bytes);

    /// <summary>Drops the connection at once, without a close handshake, as a network failure would.</summary>
    public void Abort() => _socket.Dispose();

    public void Dispose()
    {
        _socket.Dispose();
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendBytesAsync(byte[] bytes)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            ReadOnlyMemory<byte> data = bytes;
            while (!data.IsEmpty)
            {
                int sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                data = data[sent..];
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    // Parses frames in [_start, _end); a partial frame stays for the next read.
    private bool DeliverFrames(Action<ReadOnlySpan<byte>> onMessage)
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            if (!WebSocketFrameHeader.TryRead(available, out var header)) return true;
            Check(header);
            long total = header.Length + header.PayloadLength;
            if (available.Length < total)
            {
                if (total > _buffer!.Length) Grow((int)total);
                return true;
            }
            var payload = available.Slice(header.Length, (int)header.PayloadLength);
            _start += (int)total;
            switch (header.Opcode)
            {
                case WebSocketOpcode.Text when header.Fin:
                    onMessage(payload);
                    break;
                case WebSocketOpcode.Binary:
                case WebSocketOpcode.Continuation when _skippingBinary:
                    _skippingBinary = !header.Fin; // binary messages are not part of the protocol and are skipped
                    break;
                case WebSocketOpcode.Text or WebSocketOpcode.Continuation:
                    _fragments ??= new ArrayBufferWriter<byte>();
                    if (_fragments.WrittenCount + payload.Length > MaxMessageBytes) throw new IOException("fragmented message over the limit");
                    _fragments.Write(payload);
                    if (header.Fin)
                    {
                        onMessage(_fragments.WrittenSpan);
                        _fragments = null;
                    }
                    break;
                case WebSocketOpcode.Close:
                    CloseStatus = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005;
                    if (CloseStatus == CloseCodes.Shed && ShedReason.TryGetRetryAfterMs(Encoding.UTF8.GetString(payload[2..]), out int retryAfterMs))
                    {
                        RetryAfterMs = retryAfterMs;
                    }
                    return false;
                case WebSocketOpcode.Ping:
                    _ = SendPongAsync(payload.ToArray());
                    break;
                default:
                    break; // pongs
            }
        }
    }

    // What a server may not send (RFC 6455, section 5): the connection cannot be trusted after it.
    private void Check(in WebSocketFrameHeader header)
    {
        if (header.Masked) throw new IOException("the server sent a masked frame");
        if (header.Reserved != 0) throw new IOException("the server set reserved bits");
        if (!header.IsKnownOpcode) throw new IOException($"the server sent reserved opcode {(int)header.Opcode}");
        if (header.IsControl && (!header.Fin || header.PayloadLength > WebSocketFrameHeader.MaxControlPayload))
        {
            throw new IOException("the server sent a fragmented or over-long control frame");
        }
        if (header.PayloadLength > MaxMessageBytes) throw new IOException($"frame of {header.PayloadLength} bytes is over the limit");
        bool inMessage = _fragments is not null || _skippingBinary;
        if (header.Opcode == WebSocketOpcode.Continuation && !inMessage) throw new IOException("the server sent a continuation without a message");
        if (header.Opcode is WebSocketOpcode.Text or WebSocketOpcode.Binary && inMessage) throw new IOException("the server began a message inside another");
    }

    private async Task SendPongAsync(byte[] payload)
    {
        try
        {
            await SendFrameAsync(WebSocketOpcode.Pong, payload).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    // A frame with a fresh masking key, as RFC 6455 section 5.3 requires of clients.
    internal static byte[] Frame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true, int reserved = 0)
    {
        Span<byte> mask = stackalloc byte[4];
        RandomNumberGenerator.Fill(mask);
        var frame = new byte[WebSocketFrameHeader.SizeOf(payload.Length, masked: true) + payload.Length];
        int header = WebSocketFrameHeader.Write(frame, opcode, payload.Length, mask);
        if (!fin) frame[0] &= 0x7F;
        frame[0] |= (byte)((reserved & 0x7) << 4);
        WebSocketFrameHeader.Mask(payload, frame.AsSpan(header), BinaryPrimitives.ReadUInt32BigEndian(mask), 0);
        return frame;
    }

    private void Compact()
    {
        int remaining = _end - _start;
        Buffer.BlockCopy(_buffer!, _start, _buffer!, 0, remaining);
        _start = 0;
        _end = remaining;
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer!.Length * 2));
        Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
        ArrayPool<byte>.Shared.Return(_buffer);
        _end -= _start;
        _start = 0;
        _buffer = larger;
    }

    // Reads the HTTP response head and checks the accept key. Bytes after the head (the server's hello, usually)
    // stay in the buffer for the first ReceiveAsync.
    private async Task ReadHandshakeAsync(string key, CancellationToken cancellationToken)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        int headEnd;
        while ((headEnd = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end == _buffer.Length) throw new IOException("handshake response too long");
            int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new IOException("connection closed during the handshake");
            _end += read;
        }
        string response = Encoding.ASCII.GetString(_buffer, 0, headEnd);
        _start = headEnd + 4;
        _pending = _start < _end;
        if (!response.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new IOException($"upgrade refused: {response.Split("\r\n")[0]}");
        }
        string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        // The header by name, its value exactly (RFC 6455 section 4.1: the client must fail the connection otherwise).
        string? accept = response.Split("\r\n").Skip(1)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
            .Select(parts => parts[1].Trim())
            .FirstOrDefault();
        if (!string.Equals(accept, expected, StringComparison.Ordinal))
        {
            throw new IOException("the server's Sec-WebSocket-Accept does not match");
        }
        if (!_pending)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = 0;
        }
    }
}
