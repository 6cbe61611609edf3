using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Flux.Swarm.Tests.Unit;

/// <summary>How the scripted server answers the client's upgrade request.</summary>
public enum HandshakeReply
{
    /// <summary><c>101 Switching Protocols</c> with the right <c>Sec-WebSocket-Accept</c>.</summary>
    Accept,

    /// <summary><c>101</c> with the accept value of another key.</summary>
    WrongAccept,

    /// <summary><c>101</c> without any <c>Sec-WebSocket-Accept</c>.</summary>
    MissingAccept,

    /// <summary><c>101</c> whose right accept value is only in another header (<c>X-Sec-WebSocket-Accept</c>) or has more after it.</summary>
    DisguisedAccept,

    /// <summary><c>HTTP/1.1 400 Bad Request</c>.</summary>
    BadRequest,

    /// <summary>No answer: the server ends the connection after reading the request.</summary>
    EndConnection,
}

/// <summary>A frame the client sent, as the scripted server read it.</summary>
/// <param name="LengthMarker">The 7-bit length field: the length itself, or 126 / 127 for a 16- / 64-bit length.</param>
/// <param name="Payload">The payload, unmasked.</param>
/// <param name="WirePayload">The payload as it crossed the wire (masked, when <paramref name="Masked"/>).</param>
internal sealed record ClientFrame(bool Fin, int Reserved, int Opcode, bool Masked, int LengthMarker, uint MaskKey, byte[] Payload, byte[] WirePayload);

/// <summary>
/// A WebSocket server on 127.0.0.1 that does nothing on its own: it answers the upgrade as told, then writes exactly
/// the bytes a test gives it and decodes the frames the client sends. Its framing code is written independently of
/// <c>WebSocketFrameHeader</c>, so the client is not checked against itself.
/// </summary>
internal sealed class ScriptedWebSocketServer : IDisposable
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public ScriptedWebSocketServer() => _listener.Start();

    public Uri Uri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/gateway?v=1");

    /// <summary>
    /// Accepts one connection, reads the upgrade request and answers it; <paramref name="afterResponse"/> goes out
    /// in the same write as the response (the same TCP segment, on loopback).
    /// </summary>
    public async Task<ScriptedPeer> AcceptAsync(HandshakeReply reply, byte[]? afterResponse, CancellationToken cancellationToken)
    {
        var socket = await _listener.AcceptSocketAsync(cancellationToken);
        var peer = new ScriptedPeer(socket);
        try
        {
            await peer.AnswerHandshakeAsync(reply, afterResponse ?? [], cancellationToken);
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The <c>Sec-WebSocket-Accept</c> value for a key (RFC 6455, section 4.2.2).</summary>
    public static string AcceptFor(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));

    /// <summary>
    /// A server frame, with the shortest length encoding; <paramref name="maskKey"/> masks it, which a server must
    /// never do.
    /// </summary>
    public static byte[] Frame(int opcode, ReadOnlySpan<byte> payload, bool fin = true, int reserved = 0, uint? maskKey = null)
    {
        byte[] header = Header(opcode, (ulong)payload.Length, fin, reserved, maskKey is not null);
        int maskAt = header.Length;
        var frame = new byte[header.Length + (maskKey is null ? 0 : 4) + payload.Length];
        header.CopyTo(frame, 0);
        if (maskKey is { } key) BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(maskAt), key);
        int payloadAt = frame.Length - payload.Length;
        for (int i = 0; i < payload.Length; i++)
        {
            frame[payloadAt + i] = maskKey is { } k ? (byte)(payload[i] ^ (byte)(k >> (8 * (3 - (i & 3))))) : payload[i];
        }
        return frame;
    }

    /// <summary>A text frame carrying <paramref name="text"/> as UTF-8.</summary>
    public static byte[] Text(string text, bool fin = true) => Frame(0x1, Encoding.UTF8.GetBytes(text), fin);

    /// <summary>
    /// A frame header alone (without the masking key), claiming <paramref name="payloadLength"/> bytes: 7-bit up to
    /// 125, 16-bit up to 65535, 64-bit beyond.
    /// </summary>
    public static byte[] Header(int opcode, ulong payloadLength, bool fin = true, int reserved = 0, bool masked = false)
    {
        byte first = (byte)((fin ? 0x80 : 0) | ((reserved & 0x7) << 4) | (opcode & 0xF));
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payloadLength < 126) return [first, (byte)(maskBit | (byte)payloadLength)];
        if (payloadLength <= ushort.MaxValue) return [first, (byte)(maskBit | 126), (byte)(payloadLength >> 8), (byte)payloadLength];
        var header = new byte[10];
        header[0] = first;
        header[1] = (byte)(maskBit | 127);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), payloadLength);
        return header;
    }
}

/// <summary>The server's end of one scripted connection.</summary>
internal sealed class ScriptedPeer : IDisposable
{
    private readonly Socket _socket;
    // Bytes read past the request head, consumed before the socket is read again.
    private byte[] _unread = [];

    internal ScriptedPeer(Socket socket) => _socket = socket;

    /// <summary>The request line, e.g. <c>GET /gateway?v=1 HTTP/1.1</c>.</summary>
    public string RequestLine { get; private set; } = "";

    /// <summary>The request headers (names compared without regard to case).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public void Dispose() => _socket.Dispose();

    /// <summary>Writes the bytes as given, in one send.</summary>
    public async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> rest = bytes;
        while (!rest.IsEmpty)
        {
            int sent = await _socket.SendAsync(rest, SocketFlags.None, cancellationToken);
            rest = rest[sent..];
        }
    }

    /// <summary>Ends the server's side of the TCP connection (a FIN, no close frame); it can still read.</summary>
    public void EndOutput() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads and unmasks the client's next frame.</summary>
    public async Task<ClientFrame> ReadFrameAsync(CancellationToken cancellationToken)
    {
        byte[] start = await ReadExactlyAsync(2, cancellationToken);
        bool fin = (start[0] & 0x80) != 0;
        int reserved = (start[0] >> 4) & 0x7;
        int opcode = start[0] & 0xF;
        bool masked = (start[1] & 0x80) != 0;
        int marker = start[1] & 0x7F;
        ulong length = (ulong)marker;
        if (marker == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2, cancellationToken));
        else if (marker == 127) length = BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8, cancellationToken));
        uint key = masked ? BinaryPrimitives.ReadUInt32BigEndian(await ReadExactlyAsync(4, cancellationToken)) : 0;
        if (length > 16 << 20) throw new InvalidDataException($"the client sent a frame of {length} bytes");
        byte[] wire = await ReadExactlyAsync((int)length, cancellationToken);
        var payload = new byte[wire.Length];
        for (int i = 0; i < wire.Length; i++)
        {
            payload[i] = (byte)(wire[i] ^ (byte)(key >> (8 * (3 - (i & 3)))));
        }
        return new ClientFrame(fin, reserved, opcode, masked, marker, key, payload, wire);
    }

    /// <summary>Reads until the client ends the connection; returns every byte it sent meanwhile.</summary>
    public async Task<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
    {
        var all = new List<byte>(_unread);
        _unread = [];
        var chunk = new byte[4096];
        int read;
        while ((read = await _socket.ReceiveAsync(chunk, SocketFlags.None, cancellationToken)) > 0)
        {
            all.AddRange(chunk.AsSpan(0, read));
        }
        return [.. all];
    }

    internal async Task AnswerHandshakeAsync(HandshakeReply reply, byte[] afterResponse, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var chunk = new byte[1024];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(received)) < 0)
        {
            int read = await _socket.ReceiveAsync(chunk, SocketFlags.None, cancellationToken);
            if (read == 0) throw new EndOfStreamException("the client ended the connection during its request");
            received.AddRange(chunk.AsSpan(0, read));
        }
        string head = Encoding.ASCII.GetString([.. received.Take(headEnd)]);
        _unread = [.. received.Skip(headEnd + 4)];
        string[] lines = head.Split("\r\n");
        RequestLine = lines[0];
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            Headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        if (reply == HandshakeReply.EndConnection)
        {
            EndOutput();
            return;
        }
        string key = Headers.GetValueOrDefault("Sec-WebSocket-Key", "");
        string otherKey = Convert.ToBase64String(new byte[16]);
        string response = reply switch
        {
            HandshakeReply.Accept => Upgrade($"Sec-WebSocket-Accept: {ScriptedWebSocketServer.AcceptFor(key)}\r\n"),
            HandshakeReply.WrongAccept => Upgrade($"Sec-WebSocket-Accept: {ScriptedWebSocketServer.AcceptFor(otherKey)}\r\n"),
            HandshakeReply.MissingAccept => Upgrade(""),
            HandshakeReply.DisguisedAccept => Upgrade($"X-Sec-WebSocket-Accept: {ScriptedWebSocketServer.AcceptFor(key)}\r\nSec-WebSocket-Accept: {ScriptedWebSocketServer.AcceptFor(key)}x\r\n"),
            HandshakeReply.BadRequest => "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            _ => throw new ArgumentOutOfRangeException(nameof(reply)),
        };
        await WriteAsync([.. Encoding.ASCII.GetBytes(response), .. afterResponse], cancellationToken);

        static string Upgrade(string accept) =>
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{accept}\r\n";
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        int have = Math.Min(count, _unread.Length);
        _unread.AsSpan(0, have).CopyTo(bytes);
        _unread = _unread[have..];
        while (have < count)
        {
            int read = await _socket.ReceiveAsync(bytes.AsMemory(have), SocketFlags.None, cancellationToken);
            if (read == 0) throw new EndOfStreamException($"the client ended the connection {count - have} bytes short of a frame");
            have += read;
        }
        return bytes;
    }

    private static int IndexOfHeadEnd(List<byte> received)
    {
        for (int i = 0; i + 3 < received.Count; i++)
        {
            if (received[i] == '\r' && received[i + 1] == '\n' && received[i + 2] == '\r' && received[i + 3] == '\n') return i;
        }
        return -1;
    }
}
