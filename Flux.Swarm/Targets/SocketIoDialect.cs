using System.Text.Json;
using Flux.Protocol.Storms;

namespace Flux.Swarm.Targets;

/// <summary>
/// Socket.IO 4 (protocol 5) on Engine.IO 4, over a WebSocket from the first byte (no long-polling upgrade). Each
/// WebSocket message is one Engine.IO packet: a digit for its type, then its data.
/// <list type="number">
/// <item>Server: <c>0{"sid":...,"pingInterval":...}</c> (open); client: <c>40{"token":"..."}</c> (connect to the main namespace with auth).</item>
/// <item>Server: <c>40{"sid":...}</c> (connected) or <c>44{"message":...}</c> (refused); then the event <c>42["ready",{...}]</c> once the user's rooms are joined: ready.</item>
/// <item>Sends are events <c>42["send",{guild,nonce,body,ts}]</c>; the server pushes <c>42["message",{...}]</c> and refuses a send with <c>42["error_frame",{code,message,nonce}]</c>.</item>
/// <item>The server pings (<c>2</c>) and the client answers at once (<c>3</c>). <c>1</c> and <c>41</c> close.</item>
/// </list>
/// </summary>
internal sealed class SocketIoDialect : PeerDialect
{
    private static readonly byte[] PongFrame = "3"u8.ToArray();

    public override TargetKind Target => TargetKind.SocketIo;

    public override int HeartbeatMs => 0;

    public override byte[]? Heartbeat => null;

    public override byte[]? Opening => null;

    /// <summary>The Engine.IO WebSocket URL; a bare host gets <c>/socket.io/?EIO=4&amp;transport=websocket</c>.</summary>
    public override Uri ConnectUri(Uri server, string token)
    {
        var builder = new UriBuilder(server);
        if (builder.Path is "" or "/") builder.Path = "/socket.io/";
        if (builder.Query.Length <= 1) builder.Query = "EIO=4&transport=websocket";
        return builder.Uri;
    }

    public override byte[] Send(string guild, string nonce, string body, long ts) =>
        PeerJson.Build("42[\"send\","u8, (guild, nonce, body, ts), static (writer, s) => PeerJson.WriteSend(writer, s.guild, s.nonce, s.body, s.ts), "]"u8);

    /// <summary>The connect packet for the main namespace, with the token as auth.</summary>
    public static byte[] Connect(string token) =>
        PeerJson.Build("40"u8, token, static (writer, t) =>
        {
            writer.WriteStartObject();
            writer.WriteString("token"u8, t);
            writer.WriteEndObject();
        }, default);

    public override void Read(ReadOnlySpan<byte> message, IPeerSession session)
    {
        if (message.IsEmpty) throw new PeerProtocolException("an empty Engine.IO packet");
        switch (message[0])
        {
            case (byte)'0':
                session.Reply(Connect(session.Token));
                return;
            case (byte)'1':
                throw new PeerProtocolException("the server closed the Engine.IO session");
            case (byte)'2':
                session.Reply(PongFrame);
                return;
            case (byte)'4':
                ReadSocketPacket(message[1..], session);
                return;
            case (byte)'3' or (byte)'6':
                return; // pong, noop
            default:
                throw new PeerProtocolException($"Engine.IO packet type '{(char)message[0]}' is not one a server sends over a WebSocket");
        }
    }

    private static void ReadSocketPacket(ReadOnlySpan<byte> packet, IPeerSession session)
    {
        if (packet.IsEmpty) throw new PeerProtocolException("an empty Socket.IO packet");
        switch (packet[0])
        {
            case (byte)'0':
                return; // connected; ready follows once the rooms are joined
            case (byte)'1':
                throw new PeerProtocolException("the server disconnected the namespace");
            case (byte)'4':
                throw new PeerProtocolException($"the server refused the connection: {ErrorMessage(packet[1..])}");
            case (byte)'2':
                ReadEvent(packet[1..], session);
                return;
            default:
                session.Foreign(); // acks and binary packets: the chat uses neither
                return;
        }
    }

    // ["name", payload]: the main namespace and no ack id, as the server emits them.
    private static void ReadEvent(ReadOnlySpan<byte> json, IPeerSession session)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                throw new PeerProtocolException("an event is not [name, ...]");
            }
            if (reader.ValueTextEquals("message"u8))
            {
                if (!reader.Read()) throw new PeerProtocolException("a message event without its payload");
                PeerJson.ReadMessage(ref reader, session);
            }
            else if (reader.ValueTextEquals("ready"u8))
            {
                session.Ready();
            }
            else if (reader.ValueTextEquals("error_frame"u8))
            {
                reader.Read();
                var (nonce, text) = ReadError(ref reader);
                session.Refused(nonce, text);
            }
            else
            {
                session.Foreign();
            }
        }
        catch (JsonException ex)
        {
            throw new PeerProtocolException($"an event is not valid JSON: {ex.Message}");
        }
    }

    private static (string? Nonce, string Text) ReadError(ref Utf8JsonReader reader)
    {
        string? nonce = null, code = null, text = null;
        if (reader.TokenType != JsonTokenType.StartObject) return (null, "refused");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            string? value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            switch (name)
            {
                case "nonce": nonce = value; break;
                case "code": code = value; break;
                case "message": text = value; break;
            }
        }
        return (nonce, $"{code ?? "refused"}: {text}");
    }

    private static string ErrorMessage(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            return document.RootElement.TryGetProperty("message", out var text) ? text.ToString() : document.RootElement.ToString();
        }
        catch (JsonException)
        {
            return System.Text.Encoding.UTF8.GetString(json);
        }
    }
}
