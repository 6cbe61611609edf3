using Flux.AppHost.Supervision;
using Microsoft.Extensions.Configuration;

namespace Flux.AppHost.Tests;

/// <summary>The supervisor's restart policy, as arithmetic over crash times.</summary>
public sealed class CrashBackoffTests
{
    private static readonly SupervisionOptions Options = new(
        FirstDelay: TimeSpan.FromSeconds(1), MaxDelay: TimeSpan.FromSeconds(8), MaxCrashes: 6,
        Window: TimeSpan.FromMinutes(5), StableAfter: TimeSpan.FromMinutes(1));

    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Each_crash_in_a_streak_doubles_the_wait_up_to_the_cap()
    {
        var backoff = new CrashBackoff(Options);

        var delays = Enumerable.Range(0, 5).Select(i => backoff.Crashed(T0.AddSeconds(i * 10), TimeSpan.FromSeconds(2)).Delay.TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 8], delays);
    }

    [Fact]
    public void A_gateway_that_ran_stably_before_it_crashed_starts_again_after_the_first_delay()
    {
        var backoff = new CrashBackoff(Options);
        backoff.Crashed(T0, TimeSpan.FromSeconds(2));
        backoff.Crashed(T0.AddSeconds(5), TimeSpan.FromSeconds(2));

        var afterStableRun = backoff.Crashed(T0.AddMinutes(3), TimeSpan.FromMinutes(2));

        Assert.Equal(TimeSpan.FromSeconds(1), afterStableRun.Delay);
        Assert.False(afterStableRun.GiveUp);
    }

    [Fact]
    public void The_supervisor_gives_up_at_the_maximum_number_of_crashes_within_the_window()
    {
        var backoff = new CrashBackoff(Options);
        var decisions = Enumerable.Range(0, 6).Select(i => backoff.Crashed(T0.AddSeconds(i * 20), TimeSpan.Zero)).ToArray();

        Assert.All(decisions[..5], d => Assert.False(d.GiveUp));
        Assert.True(decisions[5].GiveUp);
        Assert.Equal(6, decisions[5].CrashesInWindow);
    }

    [Fact]
    public void Crashes_older_than_the_window_no_longer_count()
    {
        var backoff = new CrashBackoff(Options);
        for (int i = 0; i < 5; i++) backoff.Crashed(T0.AddSeconds(i), TimeSpan.Zero);

        // Five crashes in the first seconds, then one six minutes later: only that one is within the window.
        var late = backoff.Crashed(T0.AddMinutes(6), TimeSpan.Zero);

        Assert.False(late.GiveUp);
        Assert.Equal(1, late.CrashesInWindow);
    }

    [Fact]
    public void A_start_by_hand_after_giving_up_clears_the_history()
    {
        var backoff = new CrashBackoff(Options);
        for (int i = 0; i < 6; i++) backoff.Crashed(T0.AddSeconds(i), TimeSpan.Zero);

        backoff.Reset();
        var next = backoff.Crashed(T0.AddSeconds(10), TimeSpan.Zero);

        Assert.False(next.GiveUp);
        Assert.Equal(TimeSpan.FromSeconds(1), next.Delay);
    }

    [Fact]
    public void A_very_long_streak_stays_at_the_cap_without_overflowing()
    {
        var backoff = new CrashBackoff(Options with { MaxCrashes = 1_000, Window = TimeSpan.FromSeconds(1) });

        RestartDecision last = default;
        for (int i = 0; i < 200; i++) last = backoff.Crashed(T0.AddMinutes(i), TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(8), last.Delay);
    }

    [Fact]
    public void Settings_are_read_from_Flux_Supervision_with_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Flux:Supervision:FirstDelaySeconds"] = "0.5",
            ["Flux:Supervision:MaxCrashes"] = "3",
        }).Build();

        var options = SupervisionOptions.From(configuration);

        Assert.Equal(TimeSpan.FromMilliseconds(500), options.FirstDelay);
        Assert.Equal(3, options.MaxCrashes);
        Assert.Equal(SupervisionOptions.Default.MaxDelay, options.MaxDelay);
        Assert.Equal(SupervisionOptions.Default.Window, options.Window);
    }

    [Theory]
    [InlineData("FirstDelaySeconds", "0", "Flux:Supervision:FirstDelaySeconds must be greater than 0.")]
    [InlineData("FirstDelaySeconds", "soon", "Flux:Supervision:FirstDelaySeconds must be a number of seconds up to one day.")]
    [InlineData("MaxDelaySeconds", "0.1", "Flux:Supervision:MaxDelaySeconds must be at least FirstDelaySeconds.")]
    [InlineData("MaxCrashes", "0", "Flux:Supervision:MaxCrashes must be 1 or more.")]
    [InlineData("WindowSeconds", "-5", "Flux:Supervision:WindowSeconds must be greater than 0.")]
    [InlineData("StableAfterSeconds", "1e9", "Flux:Supervision:StableAfterSeconds must be a number of seconds up to one day.")]
    public void A_bad_setting_is_refused_with_its_name_and_what_it_may_be(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Flux:Supervision:{key}"] = value,
        }).Build();

        var refused = Assert.Throws<InvalidOperationException>(() => SupervisionOptions.From(configuration));

        Assert.Equal(message, refused.Message);
    }
}
