using Flux.Gateway.Limits;
using Microsoft.Extensions.Time.Testing;

namespace Flux.Gateway.Tests.Unit;

/// <summary>An exact sliding window: at most <c>limit</c> sends in any window, driven here by explicit timestamps.</summary>
public sealed class SlidingWindowLimiterTests
{
    private static readonly FakeTimeProvider Time = new();
    private static readonly long Window = Time.TimestampFrequency; // one second, in timestamp ticks
    private const long Start = 1_000_000;

    [Fact]
    public void Exactly_limit_sends_are_allowed_within_the_window_and_the_next_is_refused()
    {
        var limiter = new SlidingWindowLimiter(limit: 3, TimeSpan.FromSeconds(1), Time);

        Assert.True(limiter.TryAcquire(Start));
        Assert.True(limiter.TryAcquire(Start + 1));
        Assert.True(limiter.TryAcquire(Start + 2));

        Assert.False(limiter.TryAcquire(Start + 3));
        Assert.False(limiter.TryAcquire(Start + Window - 1));
    }

    [Fact]
    public void A_send_is_allowed_again_once_the_oldest_falls_out_of_the_window()
    {
        var limiter = new SlidingWindowLimiter(limit: 3, TimeSpan.FromSeconds(1), Time);
        long[] sends = [Start, Start + 100, Start + 200];
        foreach (long at in sends) Assert.True(limiter.TryAcquire(at));

        Assert.False(limiter.TryAcquire(Start + Window - 1));
        Assert.True(limiter.TryAcquire(Start + Window));        // the send at Start left the window
        Assert.False(limiter.TryAcquire(Start + Window + 99));  // the one at Start + 100 has not
        Assert.True(limiter.TryAcquire(Start + Window + 100));
        Assert.True(limiter.TryAcquire(Start + Window + 200));
        Assert.False(limiter.TryAcquire(Start + Window + 201));
    }

    [Fact]
    public void Refused_sends_do_not_take_a_place_in_the_window()
    {
        var limiter = new SlidingWindowLimiter(limit: 2, TimeSpan.FromSeconds(1), Time);
        Assert.True(limiter.TryAcquire(Start));
        Assert.True(limiter.TryAcquire(Start + 10));
        for (long t = Start + 20; t < Start + Window; t += Window / 10)
        {
            Assert.False(limiter.TryAcquire(t));
        }

        Assert.True(limiter.TryAcquire(Start + Window));
        Assert.True(limiter.TryAcquire(Start + Window + 10));
    }

    [Fact]
    public void A_limit_of_one_allows_one_send_per_window()
    {
        var limiter = new SlidingWindowLimiter(limit: 1, TimeSpan.FromSeconds(2), Time);

        Assert.True(limiter.TryAcquire(Start));
        Assert.False(limiter.TryAcquire(Start + 2 * Window - 1));
        Assert.True(limiter.TryAcquire(Start + 2 * Window));
        Assert.False(limiter.TryAcquire(Start + 2 * Window + 1));
    }

    [Fact]
    public void Any_window_holds_at_most_limit_sends_over_a_long_run()
    {
        const int limit = 5;
        var limiter = new SlidingWindowLimiter(limit, TimeSpan.FromSeconds(1), Time);
        var accepted = new List<long>();

        // A send attempt every 1/20 s for 10 s: 4x the allowed rate.
        for (long t = Start; t < Start + 10 * Window; t += Window / 20)
        {
            if (limiter.TryAcquire(t)) accepted.Add(t);
        }

        for (int i = limit; i < accepted.Count; i++)
        {
            Assert.True(accepted[i] - accepted[i - limit] >= Window, $"sends {i - limit} and {i} are within one window");
        }
        Assert.InRange(accepted.Count, 10 * limit, 10 * limit + limit);
    }

    [Fact]
    public void A_limiter_is_idle_once_its_last_event_left_the_window()
    {
        var limiter = new SlidingWindowLimiter(limit: 3, TimeSpan.FromSeconds(1), Time);
        Assert.True(limiter.IsIdle(Start));

        limiter.TryAcquire(Start);
        limiter.TryAcquire(Start + 10);

        Assert.False(limiter.IsIdle(Start + Window + 9));
        Assert.True(limiter.IsIdle(Start + Window + 10));
    }
}
