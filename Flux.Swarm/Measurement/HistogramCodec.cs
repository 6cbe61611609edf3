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
            return HistogramEncoding.DecodeFromCompressedByteBuffer(ByteBuffer.Allocate(bytes.ToArray()), 0);
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
