using Flux.Protocol.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Flux.Gateway.Tests.Unit;

/// <summary>The one telemetry ledger: totals that shedding and GetStats read, fed from the same calls as the meter.</summary>
public sealed class GatewayMetricsTests
{
    [Fact]
    public void Fanout_lag_is_taken_as_the_maximum_since_the_last_take()
    {
        var time = new FakeTimeProvider();
        var metrics = TestMetrics.Gateway(time);
        long received = time.GetTimestamp();

        time.Advance(TimeSpan.FromMilliseconds(100));
        metrics.FanoutQueued(received);
        time.Advance(TimeSpan.FromMilliseconds(400));
        metrics.FanoutQueued(received);
        metrics.FanoutQueued(time.GetTimestamp());
        metrics.FanoutWritten(received - time.TimestampFrequency * 60); // a slow reader's socket: not the replica's lag

        Assert.Equal(500, metrics.TakeMaxFanoutLag().TotalMilliseconds, precision: 3);
        Assert.Equal(TimeSpan.Zero, metrics.TakeMaxFanoutLag());
    }

    [Fact]
    public void Closes_are_counted_by_name_and_codes_nobody_documented_are_other()
    {
        var metrics = TestMetrics.Gateway();

        metrics.Closed(4012);
        metrics.Closed(4012);
        metrics.Closed(4999);
        metrics.Closed(3000);
        metrics.Disconnected();

        Assert.Equal(2, metrics.ClosesByReason["slow_consumer"]);
        Assert.Equal(2, metrics.ClosesByReason["other"]);
        Assert.Equal(1, metrics.ClosesByReason["disconnected"]);
    }

    [Fact]
    public void Queued_totals_follow_enqueue_dequeue_and_drops()
    {
        var metrics = TestMetrics.Gateway();

        metrics.Enqueued(100);
        metrics.Enqueued(50);
        metrics.Dequeued(100);
        metrics.Dropped(1, 50);

        Assert.Equal((0L, 0L, 1L), (metrics.QueuedFrames, metrics.QueuedBytes, metrics.DroppedFrames));
    }

    [Fact]
    public void A_connection_counted_in_while_the_instrument_was_off_is_not_counted_out()
    {
        var metrics = TestMetrics.Gateway();

        // Nothing listens to the meter here, so the up/down counter is disabled: the connection is not counted in…
        bool counted = metrics.ConnectionOpened(Tier.Normal);

        Assert.False(counted);
        // …and so it must not be counted out either, whatever the instrument says by then.
        metrics.ConnectionClosed(Tier.Normal, counted);
    }
}
