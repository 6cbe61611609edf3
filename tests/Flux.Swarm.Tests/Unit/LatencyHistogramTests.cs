using Flux.Swarm.Measurement;

namespace Flux.Swarm.Tests.Unit;

/// <summary>Exact latency accounting: windows, cumulative totals, 3-significant-digit percentiles, clamping, merging.</summary>
public sealed class LatencyHistogramTests
{
    /// <summary>HdrHistogram with 3 significant digits: every reported value is within 0.1 % of the true one.</summary>
    private const double Precision = 0.001;

    [Fact]
    public void TakeInterval_returns_only_what_was_recorded_since_the_last_call_and_adds_it_to_the_cumulative()
    {
        var histogram = new LatencyHistogram();
        for (long us = 1_000; us <= 100_000; us += 1_000) histogram.Record(us); // 1..100 ms

        var first = histogram.TakeInterval();
        Assert.Equal(100, first.Count);
        AssertClose(100, first.MaxMs);

        histogram.Record(200_000);
        histogram.Record(300_000);
        var second = histogram.TakeInterval();
        Assert.Equal(2, second.Count);
        AssertClose(200, second.P50Ms);
        AssertClose(300, second.MaxMs);

        Assert.Equal(LatencyStats.Empty, histogram.TakeInterval());

        var cumulative = histogram.Cumulative;
        Assert.Equal(102, cumulative.Count);
        AssertClose(300, cumulative.MaxMs);
        AssertClose(51, cumulative.P50Ms); // the 51st of 102
    }

    [Fact]
    public void Values_recorded_after_the_last_TakeInterval_are_not_yet_in_the_cumulative()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(5_000);

        Assert.Equal(0, histogram.Cumulative.Count);
        histogram.TakeInterval();
        Assert.Equal(1, histogram.Cumulative.Count);
    }

    [Fact]
    public void Percentiles_are_within_a_tenth_of_a_percent_of_the_exact_values()
    {
        const int n = 100_000;
        var random = new Random(42);
        var values = new long[n];
        for (int i = 0; i < n; i++)
        {
            // Log-uniform from 100 µs to 10 s: every bucket scale of the histogram is exercised.
            values[i] = (long)Math.Exp(Math.Log(100) + random.NextDouble() * (Math.Log(10_000_000) - Math.Log(100)));
        }
        var histogram = new LatencyHistogram();
        foreach (long v in values) histogram.Record(v);

        var stats = histogram.TakeInterval();
        Array.Sort(values);
        Assert.Equal(n, stats.Count);
        AssertClose(Exact(values, 50), stats.P50Ms);
        AssertClose(Exact(values, 95), stats.P95Ms);
        AssertClose(Exact(values, 99), stats.P99Ms);
        AssertClose(Exact(values, 99.9), stats.P999Ms);
        AssertClose(values[^1] / 1000.0, stats.MaxMs);
    }

    [Fact]
    public void Percentiles_of_a_known_sequence_are_its_order_statistics()
    {
        var histogram = new LatencyHistogram();
        for (long us = 1; us <= 10_000; us++) histogram.Record(us);

        var stats = histogram.TakeInterval();
        AssertClose(5.0, stats.P50Ms);
        AssertClose(9.5, stats.P95Ms);
        AssertClose(9.9, stats.P99Ms);
        AssertClose(9.99, stats.P999Ms);
        AssertClose(10.0, stats.MaxMs);
    }

    [Fact]
    public void Values_are_clamped_to_one_microsecond_and_to_the_maximum()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(0);
        histogram.Record(-250); // a receive timestamp a hair before the intended one
        var low = histogram.TakeInterval();
        Assert.Equal(2, low.Count);
        Assert.Equal(0.001, low.MaxMs);

        histogram.Record(long.MaxValue);
        histogram.Record(LatencyHistogram.MaxMicroseconds * 10);
        var high = histogram.TakeInterval();
        Assert.Equal(2, high.Count);
        AssertClose(LatencyHistogram.MaxMicroseconds / 1000.0, high.MaxMs);
    }

    [Fact]
    public void AddCumulative_merges_to_the_same_counts_and_percentiles_as_recording_everything_into_one()
    {
        var random = new Random(3);
        var fast = new LatencyHistogram();
        var slow = new LatencyHistogram();
        var everything = new LatencyHistogram();
        for (int i = 0; i < 20_000; i++)
        {
            long a = random.NextInt64(200, 5_000);
            long b = random.NextInt64(50_000, 2_000_000);
            fast.Record(a);
            everything.Record(a);
            if (i % 4 == 0)
            {
                slow.Record(b);
                everything.Record(b);
            }
        }
        // AddCumulative merges cumulative values, so each side takes its interval first.
        fast.TakeInterval();
        slow.TakeInterval();
        everything.TakeInterval();

        fast.AddCumulative(slow);

        var merged = fast.Cumulative;
        Assert.Equal(25_000, merged.Count);
        Assert.Equal(everything.Cumulative, merged);
        Assert.Equal(5_000, slow.Cumulative.Count); // the source is left as it was
    }

    // The value at rank round(p/100 × n), 1-based: the definition HdrHistogram uses.
    private static double Exact(long[] sorted, double percentile)
    {
        long rank = Math.Max(1, (long)Math.Round(percentile / 100 * sorted.Length));
        return sorted[rank - 1] / 1000.0;
    }

    private static void AssertClose(double expectedMs, double actualMs) =>
        Assert.True(Math.Abs(actualMs - expectedMs) <= expectedMs * Precision,
            $"expected {expectedMs} ms within 0.1 %, got {actualMs} ms");
}
