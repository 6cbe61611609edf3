using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Flux.Gateway.Connections;

/// <summary>
/// The server side of the WebSocket opening handshake (RFC 6455, section 4.2), done by the gateway itself rather than
/// by ASP.NET Core's WebSocket middleware: after the upgrade the connection's own pipes carry the frames, which the
/// transport reads and writes directly. That is how it can close invalid UTF-8 with a 1007 close frame (the framework's
/// WebSocket sends 1007 and then aborts the connection, and the reset can overtake the frame), batch frames into one
/// write, and hold no buffer of its own while a connection is idle.
/// </summary>
internal static class WebSocketUpgrade
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const string SupportedVersion = "13";

    /// <summary>An HTTP/1.1 GET asking to upgrade to websocket, on a connection Kestrel lets upgrade.</summary>
    public static bool IsWebSocketRequest(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
        && context.Request.Headers.Upgrade.Any(value => value is not null && value.Contains("websocket", StringComparison.OrdinalIgnoreCase));

    /// <summary>Why the handshake headers are not acceptable (status and text), or null when they are.</summary>
    public static (int Status, string Message)? Check(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers[HeaderNames.SecWebSocketVersion] != SupportedVersion)
        {
            context.Response.Headers[HeaderNames.SecWebSocketVersion] = SupportedVersion;
            return (StatusCodes.Status426UpgradeRequired, "Sec-WebSocket-Version must be 13");
        }
        if (!IsValidKey(headers[HeaderNames.SecWebSocketKey]))
        {
            return (StatusCodes.Status400BadRequest, "Sec-WebSocket-Key must be the base64 of 16 bytes");
        }
        return null;
    }

    /// <summary>Pooled buffers of this size carry frames in and out; none is held while the connection is idle.</summary>
    private const int BufferBytes = 4096;

    /// <summary>
    /// Answers 101 Switching Protocols and returns pipes over the upgraded connection, which now carries WebSocket
    /// frames. The reader waits for data with a zero-byte read before it rents a buffer, so an idle connection holds
    /// none; the writer rents while frames are written and returns its buffers on each flush.
    /// </summary>
    public static async Task<(PipeReader Input, PipeWriter Output)> AcceptAsync(HttpContext context)
    {
        string key = context.Request.Headers[HeaderNames.SecWebSocketKey].ToString();
        var response = context.Response.Headers;
        response.Connection = "Upgrade";
        response.Upgrade = "websocket";
        response[HeaderNames.SecWebSocketAccept] = AcceptValue(key);
        var stream = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync().ConfigureAwait(false);
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferBytes, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: BufferBytes, leaveOpen: true));
        return (input, output);
    }

    /// <summary>The Sec-WebSocket-Accept value for a key: base64 of SHA-1 of the key and the protocol's GUID.</summary>
    public static string AcceptValue(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));

    private static bool IsValidKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length != 24) return false;
        Span<byte> decoded = stackalloc byte[18];
        return Convert.TryFromBase64String(key, decoded, out int written) && written == 16;
    }
}
