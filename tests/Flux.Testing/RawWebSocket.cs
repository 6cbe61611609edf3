using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Flux.Testing;

/// <summary>
/// A client WebSocket over a socket whose receive buffer the test chooses: the opening handshake by hand
/// (RFC 6455 section 4.1), then the framework's WebSocket over the stream.
/// </summary>
internal static class RawWebSocket
{
    public static async Task<WebSocket> ConnectAsync(Uri uri, int receiveBufferBytes)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveBufferSize = receiveBufferBytes,
            NoDelay = true,
        };
        await socket.ConnectAsync(IPAddress.Parse(uri.Host), uri.Port).ConfigureAwait(false);
        var stream = new NetworkStream(socket, ownsSocket: true);

        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        string request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Host}:{uri.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                         $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request)).ConfigureAwait(false);

        // Read the response head one byte at a time, so no WebSocket bytes after it are consumed.
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one).ConfigureAwait(false) == 0) throw new IOException("connection closed during handshake");
            head.Append((char)one[0]);
        }
        string response = head.ToString();
        if (!response.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new IOException($"upgrade refused: {response.Split("\r\n")[0]}");
        }
        string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        if (!response.Contains($"Sec-WebSocket-Accept: {expected}", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException("bad Sec-WebSocket-Accept");
        }
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
    }
}
