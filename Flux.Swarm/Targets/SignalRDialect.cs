using System.Text.Json;
using Flux.Protocol.Storms;

namespace Flux.Swarm.Targets;

/// <summary>
/// ASP.NET Core SignalR's JSON hub protocol over a WebSocket, connecting straight to the hub without negotiate. Each
/// record is JSON ended by 0x1E; one WebSocket message may carry several.
/// <list type="number">
/// <item>Client: <c>{"protocol":"json","version":1}</c>; server: <c>{}</c> (or <c>{"error":"..."}</c>).</item>
/// <item>Client invokes <c>Join(guild)</c> with invocation id <c>j</c>; the completion (type 3) means ready, or carries an error.</item>
/// <item>Sends are invocations of <c>Send(guild, nonce, body, ts)</c> without an id (no completion comes back).</item>
/// <item>The hub pushes invocations of <c>message</c> with one argument, the chat message object.</item>
/// <item>Pings (type 6) go both ways; the client sends one every 15 s, as SignalR's own clients do. Close is type 7.</item>
/// </list>
/// </summary>
internal sealed class SignalRDialect : PeerDialect
{
    private const byte RecordSeparator = 0x1E;
    private const string JoinInvocationId = "j";
    private static readonly byte[] HandshakeFrame = "{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray();
    private static readonly byte[] PingFrame = "{\"type\":6}\u001e"u8.ToArray();

    public override TargetKind Target => TargetKind.SignalR;

    public override int HeartbeatMs => 15_000;

    public override byte[]? Heartbeat => PingFrame;

    public override byte[]? Opening => HandshakeFrame;

    /// <summary>The hub's URL with the token in <c>access_token</c>, as SignalR's WebSocket clients send it; a bare host gets <c>/hub</c>.</summary>
    public override Uri ConnectUri(Uri server, string token)
    {
        var builder = new UriBuilder(server);
        if (builder.Path is "" or "/") builder.Path = "/hub";
        string query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "access_token=" + Uri.EscapeDataString(token);
        return builder.Uri;
    }

    public override byte[] Send(string guild, string nonce, string body, long ts) =>
        PeerJson.Build("{\"type\":1,\"target\":\"Send\",\"arguments\":"u8, (guild, nonce, body, ts), static (writer, s) =>
        {
            writer.WriteStartArray();
            writer.WriteStringValue(s.guild);
            writer.WriteStringValue(s.nonce);
            writer.WriteStringValue(s.body);
            writer.WriteNumberValue(s.ts);
            writer.WriteEndArray();
        }, "}\u001e"u8);

    /// <summary>The join invocation for <paramref name="guild"/>.</summary>
    public static byte[] Join(string guild) =>
        PeerJson.Build("{\"type\":1,\"invocationId\":\"j\",\"target\":\"Join\",\"arguments\":"u8, guild, static (writer, g) =>
        {
            writer.WriteStartArray();
            writer.WriteStringValue(g);
            writer.WriteEndArray();
        }, "}\u001e"u8);

    public override void Read(ReadOnlySpan<byte> message, IPeerSession session)
    {
        while (!message.IsEmpty)
        {
            int end = message.IndexOf(RecordSeparator);
            if (end < 0) throw new PeerProtocolException("a hub record without its 0x1E terminator");
            ReadRecord(message[..end], session);
            message = message[(end + 1)..];
        }
    }

    private static void ReadRecord(ReadOnlySpan<byte> record, IPeerSession session)
    {
        var reader = new Utf8JsonReader(record);
        int type = -1; // -1: no type (the handshake response); -2: a type that is not an integer
        string? target = null, invocationId = null, error = null;
        Utf8JsonReader arguments = default;
        bool hasArguments = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new PeerProtocolException("a hub record is not a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int number) ? number : -2;
                }
                else if (reader.ValueTextEquals("target"u8))
                {
                    reader.Read();
                    target = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("invocationId"u8))
                {
                    reader.Read();
                    invocationId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = reader.TokenType == JsonTokenType.String ? reader.GetString() : "error";
                }
                else if (reader.ValueTextEquals("arguments"u8))
                {
                    reader.Read();
                    arguments = reader; // a copy, read once the target is known: the protocol does not fix the field order
                    hasArguments = true;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex)
        {
            throw new PeerProtocolException($"a hub record is not valid JSON: {ex.Message}");
        }
        switch (type)
        {
            case -1:
                // The handshake response: no type. Then join the guild.
                if (error is not null) throw new PeerProtocolException($"the hub refused the handshake: {error}");
                session.Reply(Join(session.Guild));
                return;
            case 1 when target == "message" && hasArguments:
                ReadMessageArguments(arguments, session);
                return;
            case 3 when invocationId == JoinInvocationId:
                if (error is not null) throw new PeerProtocolException($"the hub refused the join: {error}");
                session.Ready();
                return;
            case 7:
                throw new PeerProtocolException($"the hub closed the connection{(error is null ? "" : $": {error}")}");
            case 6:
                return; // the hub's keep-alive ping
            default:
                session.Foreign(); // completions of other calls, other targets
                return;
        }
    }

    private static void ReadMessageArguments(Utf8JsonReader reader, IPeerSession session)
    {
        if (reader.TokenType != JsonTokenType.StartArray || !reader.Read()) throw new PeerProtocolException("message arguments are not an array");
        try
        {
            PeerJson.ReadMessage(ref reader, session);
        }
        catch (JsonException ex)
        {
            throw new PeerProtocolException($"a message is not valid JSON: {ex.Message}");
        }
    }
}
