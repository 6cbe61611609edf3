using Flux.Swarm.Measurement;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The generator's account of why its sending thread ran late: the collector's pauses, or waiting for a core.</summary>
public sealed class SenderLatenessTests
{
    [Fact]
    public void A_thread_that_was_never_late_adds_nothing_to_the_assessment()
    {
        var lateness = new SenderLateness();
        lateness.Woke(overrunUs: 900, gcPauseUs: 0);
        lateness.Woke(overrunUs: SenderLateness.LateMicroseconds - 1, gcPauseUs: 3_000);
        lateness.Ticked(durationUs: 200, gcPauseUs: 0);

        Assert.Equal("", lateness.Describe());
    }

    [Fact]
    public void Late_wake_ups_are_split_into_the_collectors_pauses_and_the_rest()
    {
        var lateness = new SenderLateness();
        lateness.Woke(overrunUs: 20_000, gcPauseUs: 15_000); // 15 ms of the 20 were a GC pause
        lateness.Woke(overrunUs: 10_000, gcPauseUs: 0);      // 10 ms waiting for a core
        lateness.Woke(overrunUs: 6_000, gcPauseUs: 9_000);   // a pause longer than the lateness counts only as the lateness
        lateness.Ticked(durationUs: 8_000, gcPauseUs: 2_000);

        string text = lateness.Describe();

        Assert.Contains("woke over 5 ms late 3 times (36 ms in all, the longest 20 ms)", text);
        Assert.Contains("1 ticks ran over 5 ms (8 ms)", text);
        // (15 + 6 + 2) of (36 + 8) ms.
        Assert.Contains("GC pauses were 23 ms of those 44 ms (52 %)", text);
    }

    [Fact]
    public void A_real_collection_during_a_sleep_is_counted_as_a_pause()
    {
        var lateness = new SenderLateness();
        var before = GC.GetTotalPauseDuration();
        // A blocking gen-2 collection of a heap with something in it: a pause this process really took.
        var keep = Enumerable.Range(0, 200_000).Select(i => new object()).ToArray();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.KeepAlive(keep);
        long pauseUs = (GC.GetTotalPauseDuration() - before).Ticks / 10;

        Assert.True(pauseUs > 0, "a blocking collection must add to the total pause");
        lateness.Woke(overrunUs: pauseUs + SenderLateness.LateMicroseconds, gcPauseUs: pauseUs);
        Assert.Contains("GC pauses were", lateness.Describe());
    }
}
