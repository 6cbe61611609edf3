using System.IO.Compression;
using HdrHistogram;
using HdrHistogram.Utilities;

namespace Flux.Swarm.Measurement;

/// <summary>
/// HdrHistograms as bytes (the compressed V2 encoding every HdrHistogram implementation reads), so shards of a
/// distributed storm hand their exact counts to the coordinator, which adds them: percentiles are never averaged.
/// </summary>
internal static class HistogramCodec
{
    public static byte[] Encode(HistogramBase? histogram)
    {
        if (histogram is null || histogram.TotalCount == 0) return [];
        var buffer = ByteBuffer.Allocate(histogram.GetNeededByteBufferCapacity());
        int length = HistogramEncoding.EncodeIntoCompressedByteBuffer(histogram, buffer);
        buffer.Position = 0;
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = buffer.Get();
        return bytes;
    }

    /// <summary>The histogram in <paramref name="bytes"/>; an empty one (same range and precision) for no bytes.</summary>
    /// <exception cref="FormatException">The bytes are not a compressed HdrHistogram.</exception>
    public static HistogramBase Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return LatencyHistogram.NewEmpty();
        try
        {
            // The standard compressed form is a cookie, the payload's length (both big-endian int32) and the zlib-deflated
            // V2 encoding. HdrHistogram 2.5.0's own decoder assumes one DeflateStream.Read fills its buffer, which .NET 6
            // and later do not promise, so payloads over about 8 KB failed to decode: this inflates them itself.
            if (bytes.Length < 8) throw new FormatException("shorter than the header");
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes[4..]);
            if (length < 0 || length > bytes.Length - 8) throw new FormatException($"the header announces {length} bytes of payload");
            using var inflater = new ZLibStream(new MemoryStream(bytes.Slice(8, length).ToArray()), CompressionMode.Decompress);
            using var encoded = new MemoryStream();
            inflater.CopyTo(encoded);
            return HistogramEncoding.DecodeFromByteBuffer(ByteBuffer.Allocate(encoded.ToArray()), 0, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new FormatException($"not a compressed HdrHistogram ({bytes.Length} bytes): {ex.Message}", ex);
        }
    }

    /// <summary>The sum of every histogram in <paramref name="parts"/>: an exact merge.</summary>
    public static HistogramBase Sum(IEnumerable<HistogramBase> parts)
    {
        var sum = LatencyHistogram.NewEmpty();
        foreach (var part in parts) sum.Add(part);
        return sum;
    }
}
