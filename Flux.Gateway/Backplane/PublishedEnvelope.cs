using System.Buffers.Text;

namespace Flux.Gateway.Backplane;

/// <summary>
/// What the publish script sends on a guild's channel: <c>seq \n epoch \n published \n traceparent \n frame</c>, where
/// <c>published</c> is when the publishing replica sent the script (Unix microseconds, its own clock). The frame is the
/// exact wire bytes; parsing the envelope needs no JSON and copies nothing.
/// </summary>
internal readonly record struct PublishedEnvelope(long Seq, ReadOnlyMemory<byte> Epoch, long PublishedUnixMicroseconds,
    ReadOnlyMemory<byte> Traceparent, ReadOnlyMemory<byte> Frame)
{
    /// <summary>
    /// No message: a notice that the guild counts in <see cref="Epoch"/> at <see cref="Seq"/>, published when a send from
    /// a session of a lost epoch was refused (see <c>BackplaneScripts.Publish</c>).
    /// </summary>
    public bool IsNotice => Frame.IsEmpty;

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
        int publishedStart = epochStart + epochLength + 1;
        int publishedLength = span[publishedStart..].IndexOf((byte)'\n');
        if (publishedLength <= 0) return false;
        if (!Utf8Parser.TryParse(span.Slice(publishedStart, publishedLength), out long published, out consumed) || consumed != publishedLength) return false;
        int traceStart = publishedStart + publishedLength + 1;
        int traceLength = span[traceStart..].IndexOf((byte)'\n');
        if (traceLength < 0) return false;
        envelope = new PublishedEnvelope(seq, payload.Slice(epochStart, epochLength), published, payload.Slice(traceStart, traceLength),
            payload[(traceStart + traceLength + 1)..]);
        return true;
    }
}
