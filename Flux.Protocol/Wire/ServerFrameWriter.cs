namespace Flux.Protocol.Wire;

/// <summary>Encodes the gateway's control frames. Message frames come from <see cref="MessageFrameTemplate"/>.</summary>
public static class ServerFrameWriter
{
    public static readonly byte[] HeartbeatAck = """{"op":"heartbeat_ack"}"""u8.ToArray();

    public static byte[] Hello(int heartbeatMs, GatewayLimits limits) => JsonFrameEncoder.Encode((heartbeatMs, limits), static (w, h) =>
    {
        w.WriteStartObject();
        w.WriteString("op"u8, Ops.Hello);
        w.WriteNumber("heartbeat_ms"u8, h.heartbeatMs);
        w.WriteStartObject("limits"u8);
        w.WriteNumber("sends"u8, h.limits.Sends);
        w.WriteNumber("window_s"u8, h.limits.WindowSeconds);
        w.WriteNumber("frame_bytes"u8, h.limits.FrameBytes);
        w.WriteNumber("body_chars"u8, h.limits.BodyChars);
        w.WriteNumber("heartbeats_per_interval"u8, h.limits.HeartbeatsPerInterval);
        w.WriteNumber("connections_per_user"u8, h.limits.ConnectionsPerUser);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static byte[] Ready(string session, string user, IReadOnlyList<GuildPosition> guilds) =>
        JsonFrameEncoder.Encode((session, user, guilds), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, Ops.Ready);
            w.WriteString("session"u8, s.session);
            w.WriteString("user"u8, s.user);
            w.WriteStartArray("guilds"u8);
            foreach (var guild in s.guilds)
            {
                w.WriteStartObject();
                w.WriteString("id"u8, guild.Guild);
                w.WriteNumber("seq"u8, guild.Seq);
                if (guild.Epoch.Length > 0) w.WriteString("epoch"u8, guild.Epoch);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });

    public static byte[] Resumed(int replayed) => JsonFrameEncoder.Encode(replayed, static (w, n) =>
    {
        w.WriteStartObject();
        w.WriteString("op"u8, Ops.Resumed);
        w.WriteNumber("replayed"u8, n);
        w.WriteEndObject();
    });

    public static byte[] Gap(string guild, long from, long to) => JsonFrameEncoder.Encode((guild, from, to), static (w, g) =>
    {
        w.WriteStartObject();
        w.WriteString("op"u8, Ops.Gap);
        w.WriteString("guild"u8, g.guild);
        w.WriteNumber("from"u8, g.from);
        w.WriteNumber("to"u8, g.to);
        w.WriteEndObject();
    });

    public static byte[] Error(string code, string? nonce, string reason) => JsonFrameEncoder.Encode((code, nonce, reason), static (w, e) =>
    {
        w.WriteStartObject();
        w.WriteString("op"u8, Ops.Error);
        w.WriteString("code"u8, e.code);
        if (e.nonce is not null) w.WriteString("nonce"u8, e.nonce);
        w.WriteString("reason"u8, e.reason);
        w.WriteEndObject();
    });
}

/// <summary>A guild and a sequence number in it, as listed in <c>ready</c>.</summary>
/// <param name="Epoch">The guild's epoch: the lifetime of its state in Redis that <paramref name="Seq"/> counts in ("" if unknown).</param>
public readonly record struct GuildPosition(string Guild, long Seq, string Epoch = "");
