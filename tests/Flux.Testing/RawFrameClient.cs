using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Flux.Protocol.WebSockets;

namespace Flux.Testing;

/// <summary>
/// A WebSocket client that sends exactly the bytes a test asks for (bad masks, reserved bits, odd fragments, split
/// headers) over a real socket, and reads the server's frames one at a time: for testing the gateway's framing.
/// </summary>
public sealed class RawFrameClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];

    private RawFrameClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The response head of the opening handshake.</summary>
    public string Handshake { get; private set; } = "";

    /// <summary>Connects and sends the upgrade request (with <paramref name="headers"/> replacing the usual ones); reads the response head.</summary>
    public static async Task<RawFrameClient> ConnectAsync(Uri uri, IDictionary<string, string?>? headers = null)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(uri.Host, uri.Port).ConfigureAwait(false);
        var client = new RawFrameClient(tcp);
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Host"] = $"{uri.Host}:{uri.Port}",
            ["Upgrade"] = "websocket",
            ["Connection"] = "Upgrade",
            ["Sec-WebSocket-Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
            ["Sec-WebSocket-Version"] = "13",
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string?>()) all[name] = value;
        var request = new StringBuilder($"GET {uri.PathAndQuery} HTTP/1.1\r\n");
        foreach (var (name, value) in all)
        {
            if (value is not null) request.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        request.Append("\r\n");
        await client._stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString())).ConfigureAwait(false);
        client.Handshake = await client.ReadHeadAsync().ConfigureAwait(false);
        return client;
    }

    public bool Upgraded => Handshake.StartsWith("HTTP/1.1 101", StringComparison.Ordinal);

    /// <summary>Sends one frame as given: FIN, reserved bits, opcode, and a masking key (null: unmasked).</summary>
    public Task SendFrameAsync(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true, int reserved = 0, byte[]? mask = null)
    {
        mask ??= RandomNumberGenerator.GetBytes(4);
        return SendRawAsync(Frame(opcode, payload, fin, reserved, mask));
    }

    /// <summary>Sends one unmasked frame: what a client must never do.</summary>
    public Task SendUnmaskedFrameAsync(WebSocketOpcode opcode, ReadOnlySpan<byte> payload) =>
        SendRawAsync(Frame(opcode, payload, fin: true, reserved: 0, mask: null));

    public Task SendTextAsync(string text) => SendFrameAsync(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text));

    /// <summary>Sends bytes as they are, in pieces of <paramref name="chunk"/> bytes with a pause between them.</summary>
    public async Task SendRawAsync(byte[] bytes, int chunk = int.MaxValue)
    {
        for (int i = 0; i < bytes.Length; i += chunk)
        {
            await _stream.WriteAsync(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i))).ConfigureAwait(false);
            if (chunk < bytes.Length) await Task.Delay(5).ConfigureAwait(false);
        }
    }

    /// <summary>The next frame from the server, or null when the connection ended (EOF or reset).</summary>
    public async Task<(WebSocketFrameHeader Header, byte[] Payload)?> ReceiveFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var data = _pending.ToArray();
            if (WebSocketFrameHeader.TryRead(data, out var header) && data.Length >= header.Length + header.PayloadLength)
            {
                var payload = data.AsSpan(header.Length, (int)header.PayloadLength).ToArray();
                _pending.RemoveRange(0, header.Length + (int)header.PayloadLength);
                return (header, payload);
            }
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return null;
            }
            if (read == 0) return null;
            _pending.AddRange(buffer.AsSpan(0, read));
        }
    }

    /// <summary>Reads frames until the server's close frame; returns its code, or null if the connection ended without one.</summary>
    public async Task<(int? Code, List<(WebSocketFrameHeader Header, byte[] Payload)> Before)> ReceiveCloseAsync(TimeSpan? timeout = null)
    {
        var before = new List<(WebSocketFrameHeader, byte[])>();
        while (await ReceiveFrameAsync(timeout).ConfigureAwait(false) is { } frame)
        {
            if (frame.Header.Opcode == WebSocketOpcode.Close)
            {
                return (frame.Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(frame.Payload) : 1005, before);
            }
            before.Add(frame);
        }
        return (null, before);
    }

    /// <summary>True once the server has closed its side (EOF), as a clean close ends; false on a reset.</summary>
    public async Task<bool> EndsCleanlyAsync()
    {
        var buffer = new byte[1024];
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            while (await _stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static byte[] Frame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin, int reserved, byte[]? mask)
    {
        var frame = new byte[WebSocketFrameHeader.SizeOf(payload.Length, mask is not null) + payload.Length];
        int header = WebSocketFrameHeader.Write(frame, opcode, payload.Length, mask);
        if (!fin) frame[0] &= 0x7F;
        frame[0] |= (byte)((reserved & 0x7) << 4);
        var body = frame.AsSpan(header);
        if (mask is null) payload.CopyTo(body);
        else WebSocketFrameHeader.Mask(payload, body, BinaryPrimitives.ReadUInt32BigEndian(mask), 0);
        return frame;
    }

    private async Task<string> ReadHeadAsync()
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await _stream.ReadAsync(one).ConfigureAwait(false) == 0) break;
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
