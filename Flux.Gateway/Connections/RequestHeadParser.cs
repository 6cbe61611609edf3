using System.Buffers;
using System.Text;

namespace Flux.Gateway.Connections;

/// <summary>
/// Reads an HTTP/1.1 request head off a connection's first bytes, just far enough to tell a WebSocket upgrade to
/// <c>/gateway</c> from anything else. It decides as early as it can: a request line that is not <c>GET /gateway</c>
/// is "not ours" after a few bytes, and the connection goes to Kestrel's HTTP layer untouched.
/// </summary>
internal static class RequestHeadParser
{
    /// <summary>The largest request head the gateway reads itself; a bigger one is left to Kestrel (which answers 431).</summary>
    public const int MaxHeadBytes = 8 * 1024;

    private static readonly byte[] Get = "GET "u8.ToArray();
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    public enum Status
    {
        /// <summary>Not enough bytes yet to tell.</summary>
        NeedMore,

        /// <summary>Some other request (or not HTTP at all): leave it to Kestrel.</summary>
        NotOurs,

        /// <summary>A whole request head for <c>/gateway</c>; <c>request</c> and <c>end</c> are set.</summary>
        Gateway,
    }

    /// <param name="end">Where the head ends (after its blank line): what to consume once the request is taken.</param>
    public static Status TryParse(in ReadOnlySequence<byte> buffer, out HandshakeRequest? request, out SequencePosition end)
    {
        request = null;
        end = buffer.Start;
        // The method: "GET " or nothing of ours.
        int prefix = (int)Math.Min(buffer.Length, Get.Length);
        Span<byte> start = stackalloc byte[Get.Length];
        buffer.Slice(0, prefix).CopyTo(start);
        if (!start[..prefix].SequenceEqual(Get.AsSpan(0, prefix))) return Status.NotOurs;

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, EndOfHead, advancePastDelimiter: true))
        {
            // Tell early when the request line names another path; otherwise wait for the rest of the head.
            if (TryFirstLine(buffer, out string? line) && !WebSocketHandshake.IsGatewayPath(PathOf(TargetOf(line))))
            {
                return Status.NotOurs;
            }
            return buffer.Length >= MaxHeadBytes ? Status.NotOurs : Status.NeedMore;
        }
        if (head.Length > MaxHeadBytes) return Status.NotOurs;

        string text = Encoding.Latin1.GetString(head);
        string[] lines = text.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3) return Status.NotOurs;
        string target = requestLine[1];
        string path = PathOf(target);
        if (!WebSocketHandshake.IsGatewayPath(path)) return Status.NotOurs;

        string? upgrade = null, connection = null, version = null, key = null;
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':');
            if (colon <= 0) continue;
            string name = lines[i][..colon].Trim();
            string value = lines[i][(colon + 1)..].Trim();
            if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)) upgrade = Join(upgrade, value);
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) connection = Join(connection, value);
            else if (name.Equals("Sec-WebSocket-Version", StringComparison.OrdinalIgnoreCase)) version = Join(version, value);
            else if (name.Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase)) key = Join(key, value);
        }
        request = new HandshakeRequest(requestLine[0], path, requestLine[2], QueryValue(target, "v"), upgrade, connection, version, key);
        end = reader.Position;
        return Status.Gateway;
    }

    private static bool TryFirstLine(in ReadOnlySequence<byte> buffer, out string? line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> first, "\r\n"u8, advancePastDelimiter: false) && first.Length <= MaxHeadBytes)
        {
            line = Encoding.Latin1.GetString(first);
            return true;
        }
        line = null;
        return false;
    }

    private static string TargetOf(string? requestLine) => requestLine?.Split(' ') is [_, var target, ..] ? target : "";

    private static string PathOf(string target) => target.IndexOf('?') is var q and >= 0 ? target[..q] : target;

    // The first value of a query parameter, percent-decoded; null when it is absent.
    private static string? QueryValue(string target, string name)
    {
        int q = target.IndexOf('?');
        if (q < 0) return null;
        foreach (string pair in target[(q + 1)..].Split('&'))
        {
            int eq = pair.IndexOf('=');
            string key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (key == name) return eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
        }
        return null;
    }

    private static string Join(string? existing, string value) => existing is null ? value : existing + ", " + value;
}
