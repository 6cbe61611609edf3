using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Flux.Swarm.Users;

/// <summary>
/// A lean client WebSocket (RFC 6455) for thousands of simulated users. ClientWebSocket read each message in
/// several small reads, and each read cost a system call and a TCP acknowledgement: with tens of thousands of
/// messages a second, that was most of the swarm's CPU (measured with perf). This one waits with a zero-byte read,
/// then takes whatever has arrived in one large read into a pooled buffer and hands over every complete frame in it.
/// The buffer goes back to the pool whenever no partial frame is left, so an idle user holds none.
/// </summary>
internal sealed class GatewaySocket : IDisposable
{
    private const int ReadBufferBytes = 16 * 1024;
    private const int MaxFrameBytes = 1 << 20;
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly Socket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _closed;
    private bool _pending;

    private GatewaySocket(Socket socket) => _socket = socket;

    /// <summary>The close code the server sent, once it has.</summary>
    public int? CloseStatus { get; private set; }

    /// <summary>Connects and performs the opening handshake.</summary>
    /// <exception cref="IOException">The connection or the upgrade failed.</exception>
    public static async Task<GatewaySocket> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(uri.Host, uri.Port), cancellationToken).ConfigureAwait(false);
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
    /// Waits for data and hands every complete text frame to <paramref name="onFrame"/>. Returns false once the
    /// server has closed (see <see cref="CloseStatus"/>) or the connection ended.
    /// </summary>
    public async ValueTask<bool> ReceiveAsync(Action<ReadOnlySpan<byte>> onFrame, CancellationToken cancellationToken)
    {
        if (_pending)
        {
            // Frames that arrived with the handshake response.
            _pending = false;
            return DeliverAndRelease(onFrame);
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
        return DeliverAndRelease(onFrame);
    }

    private bool DeliverAndRelease(Action<ReadOnlySpan<byte>> onFrame)
    {
        bool open = DeliverFrames(onFrame);
        if (_start == _end && _buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return open;
    }

    /// <summary>Sends one text frame (masked, as a client must).</summary>
    public async Task SendTextAsync(ReadOnlyMemory<byte> payload)
    {
        byte[] frame = Frame(0x1, payload.Span);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await SendAllAsync(frame).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a close frame; the server answers with its own and closes.</summary>
    public async Task CloseAsync(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        byte[] payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await SendAllAsync(Frame(0x8, payload)).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

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

    // Parses frames in [_start, _end); a partial frame stays for the next read.
    private bool DeliverFrames(Action<ReadOnlySpan<byte>> onFrame)
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            if (!TryParseHeader(available, out int opcode, out int headerLength, out long payloadLength)) return true;
            if (payloadLength > MaxFrameBytes) throw new IOException($"frame of {payloadLength} bytes is over the limit");
            if (available.Length < headerLength + payloadLength)
            {
                if (headerLength + payloadLength > _buffer!.Length) Grow(headerLength + (int)payloadLength);
                return true;
            }
            var payload = available.Slice(headerLength, (int)payloadLength);
            _start += headerLength + (int)payloadLength;
            switch (opcode)
            {
                case 0x1:
                    onFrame(payload);
                    break;
                case 0x8:
                    CloseStatus = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005;
                    return false;
                case 0x9:
                    _ = SendPongAsync(payload.ToArray());
                    break;
                default:
                    break; // pongs; the gateway sends nothing else
            }
        }
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> data, out int opcode, out int headerLength, out long payloadLength)
    {
        opcode = 0;
        headerLength = 2;
        payloadLength = 0;
        if (data.Length < 2) return false;
        opcode = data[0] & 0x0F;
        bool masked = (data[1] & 0x80) != 0;
        int length = data[1] & 0x7F;
        if (length == 126)
        {
            headerLength = 4;
            if (data.Length < headerLength) return false;
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        }
        else if (length == 127)
        {
            headerLength = 10;
            if (data.Length < headerLength) return false;
            payloadLength = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
        }
        else
        {
            payloadLength = length;
        }
        if (masked) throw new IOException("the server sent a masked frame");
        return true;
    }

    private async Task SendPongAsync(byte[] payload)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await SendAllAsync(Frame(0xA, payload)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    // A final frame with a fresh masking key, as RFC 6455 section 5.3 requires of clients.
    private static byte[] Frame(int opcode, ReadOnlySpan<byte> payload)
    {
        int lengthBytes = payload.Length < 126 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8;
        var frame = new byte[2 + lengthBytes + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (lengthBytes == 0)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (lengthBytes == 2)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }
        int maskAt = 2 + lengthBytes;
        RandomNumberGenerator.Fill(frame.AsSpan(maskAt, 4));
        var body = frame.AsSpan(maskAt + 4);
        for (int i = 0; i < payload.Length; i++) body[i] = (byte)(payload[i] ^ frame[maskAt + (i & 3)]);
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
        if (!response.Contains($"Sec-WebSocket-Accept: {expected}", StringComparison.OrdinalIgnoreCase))
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
