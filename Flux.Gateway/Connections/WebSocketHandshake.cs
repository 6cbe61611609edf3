using System.Security.Cryptography;
using System.Text;

namespace Flux.Gateway.Connections;

/// <summary>
/// The server side of the WebSocket opening handshake (RFC 6455, section 4.2) as a decision, whichever way the request
/// arrived: read straight off the connection (<see cref="GatewayListener"/>, the usual path) or through Kestrel's HTTP
/// layer (<see cref="GatewayEndpoint"/>). docs/protocol.md lists every answer.
/// </summary>
internal static class WebSocketHandshake
{
    public const string Path = "/gateway";
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const string SupportedVersion = "13";

    /// <summary>
    /// Whether the request asks this endpoint for a WebSocket: a GET of <see cref="Path"/> with <c>Upgrade: websocket</c>.
    /// Anything else is left to the HTTP layer (which answers it 400, or serves /health).
    /// </summary>
    public static bool IsGatewayUpgrade(HandshakeRequest request) =>
        request.Method == "GET" && IsGatewayPath(request.Path) && HasToken(request.Upgrade, "websocket");

    public static bool IsGatewayPath(string path) =>
        path.Equals(Path, StringComparison.OrdinalIgnoreCase) || path.Equals(Path + "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>What to answer a gateway upgrade: accept it, or refuse it with a status and a reason.</summary>
    /// <param name="draining">The replica is draining: 503 with Retry-After, so the client goes to another replica.</param>
    /// <param name="atCapacity">The replica holds <c>Gateway:Limits:MaxConnections</c> WebSockets already: 503 as well.</param>
    public static HandshakeAnswer Answer(HandshakeRequest request, bool draining, bool atCapacity, int? maxConnections)
    {
        if (request.Version != "HTTP/1.1")
        {
            return HandshakeAnswer.Refuse(400, "WebSocket upgrades need HTTP/1.1");
        }
        if (!HasToken(request.Connection, "upgrade"))
        {
            return HandshakeAnswer.Refuse(400, "This endpoint accepts WebSocket upgrades only: GET /gateway?v=1");
        }
        if (request.ProtocolVersion is not (null or "1"))
        {
            return HandshakeAnswer.Refuse(400, $"Unsupported protocol version '{request.ProtocolVersion}'; this gateway speaks v=1");
        }
        if (draining)
        {
            return HandshakeAnswer.Refuse(503, "Draining; connect to another replica", retryAfter: true);
        }
        if (atCapacity)
        {
            return HandshakeAnswer.Refuse(503, $"This replica holds its maximum of {maxConnections} connections; connect to another replica", retryAfter: true);
        }
        if (request.WebSocketVersion != SupportedVersion)
        {
            return HandshakeAnswer.Refuse(426, "Sec-WebSocket-Version must be 13", versionHeader: true);
        }
        if (!IsValidKey(request.WebSocketKey))
        {
            return HandshakeAnswer.Refuse(400, "Sec-WebSocket-Key must be the base64 of 16 bytes");
        }
        return HandshakeAnswer.Accept(AcceptValue(request.WebSocketKey!));
    }

    /// <summary>The Sec-WebSocket-Accept value for a key: base64 of SHA-1 of the key and the protocol's GUID.</summary>
    public static string AcceptValue(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));

    /// <summary>The 101 response that completes the handshake, as bytes.</summary>
    public static byte[] SwitchingProtocols(string accept) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");

    /// <summary>A refusal as a whole HTTP/1.1 response that closes the connection.</summary>
    public static byte[] RefusalResponse(HandshakeAnswer answer)
    {
        byte[] body = Encoding.UTF8.GetBytes(answer.Message);
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(answer.Status).Append(' ').Append(ReasonPhrase(answer.Status)).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n")
            .Append("Connection: close\r\n");
        if (answer.RetryAfter) head.Append("Retry-After: 1\r\n");
        if (answer.VersionHeader) head.Append("Sec-WebSocket-Version: ").Append(SupportedVersion).Append("\r\n");
        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        426 => "Upgrade Required",
        503 => "Service Unavailable",
        _ => "Error",
    };

    // A comma-separated header value containing the token, in any case ("keep-alive, Upgrade").
    private static bool HasToken(string? value, string token)
    {
        if (value is null) return false;
        foreach (var part in value.Split(','))
        {
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static bool IsValidKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length != 24) return false;
        Span<byte> decoded = stackalloc byte[18];
        return Convert.TryFromBase64String(key, decoded, out int written) && written == 16;
    }
}

/// <summary>The parts of an upgrade request the handshake looks at.</summary>
/// <param name="Version">The request line's HTTP version, e.g. <c>HTTP/1.1</c>.</param>
/// <param name="ProtocolVersion">The <c>v</c> query parameter, or null.</param>
internal sealed record HandshakeRequest(
    string Method, string Path, string Version, string? ProtocolVersion,
    string? Upgrade, string? Connection, string? WebSocketVersion, string? WebSocketKey);

/// <summary>Accept (with the Sec-WebSocket-Accept value), or refuse with a status, a reason and maybe extra headers.</summary>
internal sealed record HandshakeAnswer(int Status, string Message, string? AcceptKey, bool RetryAfter, bool VersionHeader)
{
    public bool Accepted => AcceptKey is not null;

    public static HandshakeAnswer Accept(string acceptKey) => new(101, "", acceptKey, false, false);

    public static HandshakeAnswer Refuse(int status, string message, bool retryAfter = false, bool versionHeader = false) =>
        new(status, message, null, retryAfter, versionHeader);
}
