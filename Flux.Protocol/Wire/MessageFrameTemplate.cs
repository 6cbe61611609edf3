using System.Buffers.Text;

namespace Flux.Protocol.Wire;

/// <summary>
/// A <c>msg</c> frame split around its <c>seq</c> value. The gateway sends <see cref="Prefix"/> and
/// <see cref="Suffix"/> to Redis, whose publish script splices in the seq it assigns; the result is the exact
/// frame every recipient receives, so a message is encoded once for all of them and history holds wire bytes.
/// </summary>
public sealed class MessageFrameTemplate
{
    private MessageFrameTemplate(byte[] prefix, byte[] suffix)
    {
        Prefix = prefix;
        Suffix = suffix;
    }

    /// <summary><c>{"op":"msg","guild":"…","seq":</c></summary>
    public byte[] Prefix { get; }

    /// <summary><c>,"from":"…","nonce":"…","body":"…"[,"ts":…][,"trace":"…"]}</c></summary>
    public byte[] Suffix { get; }

    public static MessageFrameTemplate Create(string guild, string from, string nonce, string body, byte[]? rawTs, string? trace)
    {
        byte[] prefix = JsonFrameEncoder.Encode(guild, static (w, g) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, Ops.Message);
            w.WriteString("guild"u8, g);
            w.WriteNumber("seq"u8, 0); // placeholder, cut off below
            w.WriteEndObject();
        });
        int cut = prefix.Length - "0}".Length;

        byte[] suffix = JsonFrameEncoder.Encode((from, nonce, body, ts: rawTs, trace), static (w, m) =>
        {
            w.WriteStartObject();
            w.WriteString("from"u8, m.from);
            w.WriteString("nonce"u8, m.nonce);
            w.WriteString("body"u8, m.body);
            if (m.ts is { Length: > 0 } ts)
            {
                w.WritePropertyName("ts"u8);
                w.WriteRawValue(ts, skipInputValidation: false);
            }
            if (m.trace is not null) w.WriteString("trace"u8, m.trace);
            w.WriteEndObject();
        });
        suffix[0] = (byte)','; // the suffix continues the prefix's object
        return new MessageFrameTemplate(prefix.AsSpan(0, cut).ToArray(), suffix);
    }

    /// <summary>The full frame for <paramref name="seq"/>; what the publish script produces in Redis.</summary>
    public byte[] Splice(long seq)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(seq, digits, out int written);
        var frame = new byte[Prefix.Length + written + Suffix.Length];
        Prefix.CopyTo(frame, 0);
        digits[..written].CopyTo(frame.AsSpan(Prefix.Length));
        Suffix.CopyTo(frame, Prefix.Length + written);
        return frame;
    }
}
