using System.Text;
using System.Text.Json;

namespace Flux.Protocol.Wire;

/// <summary>Decodes gateway frames on the client side. Field order in a frame does not matter.</summary>
public static class ServerFrameReader
{
    /// <summary>
    /// Reads the op and, when it is <c>msg</c>, the message fields without allocating.
    /// Any other op can then be decoded in full with <see cref="Read"/>.
    /// </summary>
    /// <exception cref="JsonException">The frame is not a JSON object.</exception>
    public static ServerOp Peek(ReadOnlySpan<byte> utf8, out MessageView message)
    {
        message = default;
        var op = ServerOp.Unknown;
        var reader = new Utf8JsonReader(utf8);
        ExpectObject(ref reader);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("op"u8)) { reader.Read(); op = ParseOp(ref reader); }
            else if (reader.ValueTextEquals("guild"u8)) { reader.Read(); message.Guild = reader.ValueSpan; }
            else if (reader.ValueTextEquals("seq"u8)) { reader.Read(); message.Seq = reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : 0; }
            else if (reader.ValueTextEquals("from"u8)) { reader.Read(); message.From = reader.ValueSpan; }
            else if (reader.ValueTextEquals("nonce"u8)) { reader.Read(); message.Nonce = reader.ValueSpan; }
            else if (reader.ValueTextEquals("body"u8)) { reader.Read(); message.Body = reader.ValueSpan; }
            else if (reader.ValueTextEquals("ts"u8)) { reader.Read(); message.Ts = reader.ValueSpan; }
            else if (reader.ValueTextEquals("trace"u8)) { reader.Read(); message.Trace = reader.ValueSpan; }
            else { reader.Read(); reader.Skip(); }
        }
        return op;
    }

    /// <summary>Decodes any server frame in full.</summary>
    /// <exception cref="JsonException">The frame is not a JSON object.</exception>
    public static ServerFrame Read(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        ExpectObject(ref reader);
        var op = ServerOp.Unknown;
        int heartbeatMs = 0, replayed = 0;
        long seq = 0, gapFrom = 0, gapTo = 0;
        string? session = null, user = null, guild = null, from = null, nonce = null, body = null, ts = null, trace = null, code = null, reason = null;
        List<GuildPosition> guilds = [];
        GatewayLimits? limits = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "op": op = ParseOp(ref reader); break;
                case "heartbeat_ms": heartbeatMs = reader.GetInt32(); break;
                case "limits": limits = ReadLimits(ref reader); break;
                case "session": session = reader.GetString(); break;
                case "user": user = reader.GetString(); break;
                case "guilds": guilds = ReadGuilds(ref reader); break;
                case "guild": guild = reader.GetString(); break;
                case "seq": seq = reader.GetInt64(); break;
                case "from" when reader.TokenType == JsonTokenType.Number: gapFrom = reader.GetInt64(); break;
                case "from": from = reader.GetString(); break;
                case "to": gapTo = reader.GetInt64(); break;
                case "nonce": nonce = reader.GetString(); break;
                case "body": body = reader.GetString(); break;
                case "ts": ts = Encoding.UTF8.GetString(reader.ValueSpan); break;
                case "trace": trace = reader.GetString(); break;
                case "replayed": replayed = reader.GetInt32(); break;
                case "code": code = reader.GetString(); break;
                case "reason": reason = reader.GetString(); break;
                default: reader.Skip(); break;
            }
        }
        return new ServerFrame(op)
        {
            HeartbeatMs = heartbeatMs, Session = session, User = user, Guilds = guilds, Guild = guild, Seq = seq,
            From = from, Nonce = nonce, Body = body, Ts = ts, Trace = trace, Replayed = replayed,
            GapFrom = gapFrom, GapTo = gapTo, Code = code, Reason = reason, Limits = limits,
        };
    }

    private static void ExpectObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a frame must be a JSON object");
        }
    }

    private static ServerOp ParseOp(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) return ServerOp.Unknown;
        if (reader.ValueTextEquals("msg"u8)) return ServerOp.Message;
        if (reader.ValueTextEquals("heartbeat_ack"u8)) return ServerOp.HeartbeatAck;
        if (reader.ValueTextEquals("hello"u8)) return ServerOp.Hello;
        if (reader.ValueTextEquals("ready"u8)) return ServerOp.Ready;
        if (reader.ValueTextEquals("resumed"u8)) return ServerOp.Resumed;
        if (reader.ValueTextEquals("gap"u8)) return ServerOp.Gap;
        if (reader.ValueTextEquals("error"u8)) return ServerOp.Error;
        return ServerOp.Unknown;
    }

    // Unknown fields are skipped, so a gateway may advertise more limits than this client knows.
    private static GatewayLimits? ReadLimits(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); return null; }
        int sends = 0, window = 0, frameBytes = 0, bodyChars = 0, heartbeats = 0, connections = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            reader.Read();
            int value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int v) ? v : 0;
            switch (name)
            {
                case "sends": sends = value; break;
                case "window_s": window = value; break;
                case "frame_bytes": frameBytes = value; break;
                case "body_chars": bodyChars = value; break;
                case "heartbeats_per_interval": heartbeats = value; break;
                case "connections_per_user": connections = value; break;
                default: reader.Skip(); break;
            }
        }
        return new GatewayLimits(sends, window, frameBytes, bodyChars, heartbeats, connections);
    }

    private static List<GuildPosition> ReadGuilds(ref Utf8JsonReader reader)
    {
        var guilds = new List<GuildPosition>();
        if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); return guilds; }
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? id = null;
            string epoch = "";
            long seq = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("id"u8), isSeq = reader.ValueTextEquals("seq"u8), isEpoch = reader.ValueTextEquals("epoch"u8);
                reader.Read();
                if (isId) id = reader.GetString();
                else if (isSeq) seq = reader.GetInt64();
                else if (isEpoch) epoch = reader.GetString() ?? "";
                else reader.Skip();
            }
            if (id is not null) guilds.Add(new GuildPosition(id, seq, epoch));
        }
        return guilds;
    }
}
