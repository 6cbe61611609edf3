using System.Buffers.Text;

namespace Flux.Gateway.Backplane;

/// <summary>
/// What the publish script sends on a guild's channel: <c>seq \n traceparent \n frame</c>. The frame is the
/// exact wire bytes; parsing the envelope needs no JSON and copies nothing.
/// </summary>
internal readonly record struct PublishedEnvelope(long Seq, ReadOnlyMemory<byte> Traceparent, ReadOnlyMemory<byte> Frame)
{
    public static bool TryParse(ReadOnlyMemory<byte> payload, out PublishedEnvelope envelope)
    {
        envelope = default;
        var span = payload.Span;
        int firstNewline = span.IndexOf((byte)'\n');
        if (firstNewline <= 0) return false;
        if (!Utf8Parser.TryParse(span[..firstNewline], out long seq, out int consumed) || consumed != firstNewline) return false;
        int secondNewline = span[(firstNewline + 1)..].IndexOf((byte)'\n');
        if (secondNewline < 0) return false;
        int frameStart = firstNewline + 1 + secondNewline + 1;
        envelope = new PublishedEnvelope(seq, payload.Slice(firstNewline + 1, secondNewline), payload[frameStart..]);
        return true;
    }
}
