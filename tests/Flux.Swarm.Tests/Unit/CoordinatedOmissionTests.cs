using Flux.Swarm.Measurement;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// Latency is measured from the intended send time (SimulatedUser records now minus the <c>ts</c> the scheduler
/// intended), so a sender that stalls cannot hide the wait of the messages queued behind the stall.
/// Pure computation over <see cref="LatencyHistogram"/>: a schedule, a stall, and the two ways of measuring.
/// </summary>
public sealed class CoordinatedOmissionTests
{
    private const int Sends = 1_000;
    private const long IntervalUs = 1_000;   // one send intended every millisecond
    private const long StallFromUs = 500_000; // the sender stalls for 100 ms at t = 500 ms
    private const long StallUs = 100_000;
    private const long NetworkUs = 1_000;    // each message takes 1 ms once it is actually sent

    [Fact]
    public void Recording_from_the_intended_send_time_shows_the_stall_in_the_tail()
    {
        var fromIntended = new LatencyHistogram();
        var fromActual = new LatencyHistogram();
        for (int i = 0; i < Sends; i++)
        {
            long intended = i * IntervalUs;
            bool stalled = intended >= StallFromUs && intended < StallFromUs + StallUs;
            long actual = stalled ? StallFromUs + StallUs : intended; // queued sends all go out right after the stall
            long received = actual + NetworkUs;
            fromIntended.Record(received - intended);
            fromActual.Record(received - actual);
        }

        var correct = fromIntended.TakeInterval();
        var omitted = fromActual.TakeInterval();

        // 900 sends took 1 ms; the 100 stalled ones waited 101, 100, ..., 2 ms. The 990th of 1000 latencies
        // (p99) is 91 ms, the 950th (p95) 51 ms, the worst 101 ms: within HdrHistogram's 0.1 %.
        AssertWithin(91, correct.P99Ms);
        AssertWithin(51, correct.P95Ms);
        AssertWithin(101, correct.MaxMs);
        AssertWithin(1, correct.P50Ms);

        // Measured from the actual send, every message took 1 ms and the stall disappears.
        AssertWithin(1, omitted.P99Ms);
        AssertWithin(1, omitted.MaxMs);
        Assert.Equal(Sends, correct.Count);
        Assert.Equal(Sends, omitted.Count);
    }

    private static void AssertWithin(double expectedMs, double actualMs) =>
        Assert.InRange(actualMs, expectedMs * 0.999, expectedMs * 1.001);
}
