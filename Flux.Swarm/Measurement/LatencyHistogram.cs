using HdrHistogram;

namespace Flux.Swarm.Measurement;

/// <summary>
/// Latencies in microseconds, recorded from any thread into an HdrHistogram (3 significant digits: every
/// percentile is within 0.1 % of the true value; nothing is sampled). Each <see cref="TakeInterval"/> swaps out
/// what was recorded since the last call and adds it to the cumulative histogram, so the two always agree.
/// </summary>
internal sealed class LatencyHistogram
{
    public const long MaxMicroseconds = 3_600_000_000; // an hour; longer values are clamped
    private const int SignificantDigits = 3;

    private readonly Recorder _recorder;
    private readonly HistogramBase _cumulative;
    private readonly Lock _readGate = new();
    private HistogramBase? _interval;

    public LatencyHistogram()
    {
        _recorder = HistogramFactory.With64BitBucketSize()
            .WithValuesFrom(1).WithValuesUpTo(MaxMicroseconds).WithPrecisionOf(SignificantDigits)
            .WithThreadSafeWrites().WithThreadSafeReads().Create();
        _cumulative = NewEmpty();
    }

    /// <summary>An empty histogram of the same range and precision (what merges and decodes start from).</summary>
    public static HistogramBase NewEmpty() => HistogramFactory.With64BitBucketSize()
        .WithValuesFrom(1).WithValuesUpTo(MaxMicroseconds).WithPrecisionOf(SignificantDigits).Create();

    public void Record(long microseconds) => _recorder.RecordValue(Math.Clamp(microseconds, 1, MaxMicroseconds));

    /// <summary>Everything recorded since the previous call (the window), now also part of the cumulative.</summary>
    /// <param name="visit">Also shown the window itself (the meter reads it), before it is summarized.</param>
    public LatencyStats TakeInterval(Action<HistogramBase>? visit = null)
    {
        lock (_readGate)
        {
            _interval = _recorder.GetIntervalHistogram(_interval);
            _cumulative.Add(_interval);
            visit?.Invoke(_interval);
            return Summarize(_interval);
        }
    }

    /// <summary>
    /// What the last <see cref="TakeInterval"/> took, as a copy (the recorder reuses its own): for a shard to send its
    /// second to the coordinator.
    /// </summary>
    public HistogramBase? LastInterval
    {
        get
        {
            lock (_readGate) return _interval?.Copy();
        }
    }

    /// <summary>A copy of everything recorded so far (up to the last <see cref="TakeInterval"/>).</summary>
    public HistogramBase CopyCumulative()
    {
        lock (_readGate) return _cumulative.Copy();
    }

    public LatencyStats Cumulative
    {
        get
        {
            lock (_readGate) return Summarize(_cumulative);
        }
    }

    /// <summary>Adds another histogram's cumulative values into this one's (for merging cohorts or runs).</summary>
    public void AddCumulative(LatencyHistogram other)
    {
        lock (_readGate)
        {
            lock (other._readGate) _cumulative.Add(other._cumulative);
        }
    }

    internal static LatencyStats Summarize(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0) return LatencyStats.Empty;
        return new LatencyStats(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()));
    }

    private static double Ms(long microseconds) => microseconds / 1000.0;
}
