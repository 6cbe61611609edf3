using System.Buffers.Text;

namespace Flux.Gateway.Backplane;

/// <summary>
/// What the publish script sends on a guild's channel: <c>seq \n epoch \n traceparent \n frame</c>. The frame is the
/// exact wire bytes; parsing the envelope needs no JSON and copies nothing.
/// </summary>
internal readonly record struct PublishedEnvelope(long Seq, ReadOnlyMemory<byte> Epoch, ReadOnlyMemory<byte> Traceparent, ReadOnlyMemory<byte> Frame)
{
    public static bool TryParse(ReadOnlyMemory<byte> payload, out PublishedEnvelope envelope)
    {
        envelope = default;
        var span = payload.Span;
        int seqEnd = span.IndexOf((byte)'\n');
        if (seqEnd <= 0) return false;
        if (!Utf8Parser.TryParse(span[..seqEnd], out long seq, out int consumed) || consumed != seqEnd) return false;
        int epochStart = seqEnd + 1;
        int epochLength = span[epochStart..].IndexOf((byte)'\n');
        if (epochLength <= 0) return false;
        int traceStart = epochStart + epochLength + 1;
        int traceLength = span[traceStart..].IndexOf((byte)'\n');
        if (traceLength < 0) return false;
        envelope = new PublishedEnvelope(seq, payload.Slice(epochStart, epochLength), payload.Slice(traceStart, traceLength),
            payload[(traceStart + traceLength + 1)..]);
        return true;
    }
}
