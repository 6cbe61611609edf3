namespace Flux.Protocol.Wire;

/// <summary>Encodes client frames; used by the swarm's simulated users and by tests.</summary>
public static class ClientFrameWriter
{
    public static readonly byte[] Heartbeat = """{"op":"heartbeat"}"""u8.ToArray();

    public static byte[] Identify(string token) => JsonFrameEncoder.Encode(token, static (w, t) =>
    {
        w.WriteStartObject();
        w.WriteString("op"u8, Ops.Identify);
        w.WriteString("token"u8, t);
        w.WriteEndObject();
    });

    public static byte[] Resume(string token, string session, IEnumerable<KeyValuePair<string, long>> seqs) =>
        JsonFrameEncoder.Encode((token, session, seqs), static (w, r) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, Ops.Resume);
            w.WriteString("token"u8, r.token);
            w.WriteString("session"u8, r.session);
            w.WriteStartObject("seqs"u8);
            foreach (var (guild, seq) in r.seqs) w.WriteNumber(guild, seq);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    /// <param name="ts">Sent as a JSON integer when given; the gateway echoes it verbatim.</param>
    /// <param name="trace">A W3C traceparent that the gateway continues.</param>
    public static byte[] Send(string guild, string nonce, string body, long? ts = null, string? trace = null) =>
        JsonFrameEncoder.Encode((guild, nonce, body, ts, trace), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, Ops.Send);
            w.WriteString("guild"u8, s.guild);
            w.WriteString("nonce"u8, s.nonce);
            w.WriteString("body"u8, s.body);
            if (s.ts is { } ts) w.WriteNumber("ts"u8, ts);
            if (s.trace is not null) w.WriteString("trace"u8, s.trace);
            w.WriteEndObject();
        });
}
