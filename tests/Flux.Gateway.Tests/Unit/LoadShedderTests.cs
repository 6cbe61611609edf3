using Flux.Gateway.Shedding;
using Flux.Protocol.Auth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Tests.Unit;

/// <summary>
/// Shedding rises with pressure (at once for queued bytes, after RaiseAfterMs for fan-out lag, after PathLagRaiseAfterMs
/// for path lag), and falls one level at a
/// time after pressure has stayed low.
/// </summary>
public sealed class LoadShedderTests
{
    private const long Level1Bytes = 1_000;
    private const long Level2Bytes = 4_000;
    private static readonly TimeSpan Level1Lag = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Level2Lag = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Level1Path = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Level2Path = TimeSpan.FromMilliseconds(200);

    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData(0L, 0, 0)]
    [InlineData(999L, 99, 0)]
    [InlineData(1_000L, 0, 1)]
    [InlineData(0L, 100, 1)]
    [InlineData(3_999L, 399, 1)]
    [InlineData(4_000L, 0, 2)]
    [InlineData(0L, 400, 2)]
    [InlineData(500L, 5_000, 2)]
    public void The_level_follows_the_worse_of_queued_bytes_and_fanout_lag(long queuedBytes, int lagMs, int level)
    {
        var shedder = NewShedder();

        shedder.Evaluate(queuedBytes, TimeSpan.FromMilliseconds(lagMs));

        Assert.Equal(level, shedder.Level);
    }

    [Fact]
    public void The_level_rises_step_by_step_as_pressure_grows()
    {
        var shedder = NewShedder();

        shedder.Evaluate(Level1Bytes, TimeSpan.Zero);
        Assert.Equal(1, shedder.Level);
        shedder.Evaluate(Level1Bytes, Level2Lag);
        Assert.Equal(2, shedder.Level);
        Assert.Contains("fan-out lag 400 ms", shedder.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, false, false, false)]
    [InlineData(1, true, false, false)]
    [InlineData(2, true, true, false)]
    public void Each_level_refuses_its_tiers_and_high_is_never_refused(int level, bool low, bool normal, bool high)
    {
        var shedder = NewShedder();

        shedder.Set(auto: false, level);

        Assert.Equal(low, shedder.Refuses(Tier.Low));
        Assert.Equal(normal, shedder.Refuses(Tier.Normal));
        Assert.Equal(high, shedder.Refuses(Tier.High));
    }

    [Fact]
    public void A_forced_level_holds_whatever_the_pressure()
    {
        var shedder = NewShedder();

        shedder.Set(auto: false, 1);
        shedder.Evaluate(Level2Bytes * 10, Level2Lag);
        Assert.Equal(1, shedder.Level);
        Assert.False(shedder.IsAuto);
        Assert.Equal("forced by an operator", shedder.Reason);

        shedder.Set(auto: false, 0);
        shedder.Evaluate(Level2Bytes * 10, Level2Lag);
        Assert.Equal(0, shedder.Level);
    }

    [Theory]
    [InlineData(-3, 0)]
    [InlineData(7, 2)]
    public void A_forced_level_is_clamped_to_the_known_levels(int requested, int level)
    {
        var shedder = NewShedder();

        shedder.Set(auto: false, requested);

        Assert.Equal(level, shedder.Level);
    }

    [Fact]
    public void Returning_to_auto_lets_measured_pressure_decide_again()
    {
        var shedder = NewShedder();
        shedder.Set(auto: false, 0);

        shedder.Set(auto: true, 0);
        shedder.Evaluate(Level2Bytes, TimeSpan.Zero);

        Assert.True(shedder.IsAuto);
        Assert.Equal(2, shedder.Level);
    }

    [Fact]
    public void Pressure_between_the_recover_fraction_and_the_threshold_keeps_the_level()
    {
        var shedder = NewShedder(recoverAfterMs: 0);
        shedder.Evaluate(Level1Bytes, TimeSpan.Zero);

        for (int i = 0; i < 5; i++) shedder.Evaluate(Level1Bytes / 2, TimeSpan.Zero); // 0.5 of the threshold is not below it
        for (int i = 0; i < 5; i++) shedder.Evaluate(0, Level1Lag / 2);

        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void The_level_drops_one_step_at_a_time_once_pressure_is_below_the_recover_fraction()
    {
        var shedder = NewShedder(recoverAfterMs: 0);
        shedder.Evaluate(Level2Bytes, TimeSpan.Zero);

        shedder.Evaluate(0, TimeSpan.Zero); // calm starts
        Assert.Equal(2, shedder.Level);
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(1, shedder.Level);
        shedder.Evaluate(0, TimeSpan.Zero); // calm starts again at the new level
        Assert.Equal(1, shedder.Level);
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(0, shedder.Level);
    }

    [Fact]
    public void Recovery_is_judged_against_the_current_levels_thresholds()
    {
        var shedder = NewShedder(recoverAfterMs: 0);
        shedder.Evaluate(Level2Bytes, TimeSpan.Zero);
        const long between = 1_500; // below half of level 2's threshold, above half of level 1's

        for (int i = 0; i < 6; i++) shedder.Evaluate(between, TimeSpan.Zero);

        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void A_moment_of_pressure_restarts_the_calm_period()
    {
        var shedder = NewShedder(recoverAfterMs: 0);
        shedder.Evaluate(Level1Bytes, TimeSpan.Zero);

        shedder.Evaluate(0, TimeSpan.Zero);              // calm starts
        shedder.Evaluate(Level1Bytes / 2, TimeSpan.Zero); // not calm: calm is reset
        shedder.Evaluate(0, TimeSpan.Zero);              // calm starts again, so no drop yet

        Assert.Equal(1, shedder.Level);
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(0, shedder.Level);
    }

    [Fact]
    public void The_level_does_not_drop_before_RecoverAfterMs_of_calm()
    {
        var shedder = NewShedder(recoverAfterMs: 10_000);
        shedder.Evaluate(Level1Bytes, TimeSpan.Zero);

        shedder.Evaluate(0, TimeSpan.Zero); // calm starts
        _time.Advance(TimeSpan.FromMilliseconds(9_999));
        shedder.Evaluate(0, TimeSpan.Zero);

        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void The_level_drops_after_RecoverAfterMs_of_calm()
    {
        var shedder = NewShedder(recoverAfterMs: 10_000);
        shedder.Evaluate(Level1Bytes, TimeSpan.Zero);

        shedder.Evaluate(0, TimeSpan.Zero); // calm starts
        _time.Advance(TimeSpan.FromSeconds(10));
        shedder.Evaluate(0, TimeSpan.Zero);

        Assert.Equal(0, shedder.Level);
    }

    [Theory]
    [InlineData(Level1Bytes, 600L, true)]   // over level 1, and one connection holds 60 %
    [InlineData(Level1Bytes, 400L, false)]  // over level 1, but the bytes are spread out
    [InlineData(Level1Bytes - 1, 999L, false)] // no byte pressure at all
    public void One_connection_holding_most_of_the_queued_bytes_is_closed_before_a_tier_is_shed(long queued, long heaviest, bool close)
    {
        var shedder = NewShedder();

        Assert.Equal(close, shedder.ShouldCloseHeaviest(queued, heaviest));
    }

    [Fact]
    public void The_heaviest_connection_is_not_blamed_for_a_level_already_reached_or_while_forced()
    {
        var shedder = NewShedder();
        shedder.Evaluate(Level1Bytes, TimeSpan.Zero);
        Assert.False(shedder.ShouldCloseHeaviest(Level1Bytes, Level1Bytes));

        shedder.Set(auto: false, 0);
        Assert.False(shedder.ShouldCloseHeaviest(Level2Bytes, Level2Bytes));
    }

    [Fact]
    public void Fan_out_lag_raises_a_level_only_once_it_has_held_for_RaiseAfterMs()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000);

        shedder.Evaluate(0, Level1Lag);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        shedder.Evaluate(0, Level1Lag);
        Assert.Equal(0, shedder.Level); // a pause or a burst

        _time.Advance(TimeSpan.FromMilliseconds(1));
        shedder.Evaluate(0, Level1Lag);
        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void One_check_under_the_threshold_restarts_the_count()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000);

        shedder.Evaluate(0, Level2Lag);
        _time.Advance(TimeSpan.FromMilliseconds(800));
        shedder.Evaluate(0, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromMilliseconds(800));
        shedder.Evaluate(0, Level2Lag);

        Assert.Equal(0, shedder.Level);
    }

    [Fact]
    public void Each_lag_level_keeps_its_own_count()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000);

        shedder.Evaluate(0, Level1Lag);
        _time.Advance(TimeSpan.FromMilliseconds(600));
        shedder.Evaluate(0, Level2Lag); // level 2's count starts here; level 1's goes on
        _time.Advance(TimeSpan.FromMilliseconds(400));
        shedder.Evaluate(0, Level2Lag);
        Assert.Equal(1, shedder.Level);

        _time.Advance(TimeSpan.FromMilliseconds(600));
        shedder.Evaluate(0, Level2Lag);
        Assert.Equal(2, shedder.Level);
    }

    [Fact]
    public void When_shedding_low_does_not_bring_the_lag_down_normal_goes_too()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000);

        shedder.Evaluate(0, Level1Lag);
        _time.Advance(TimeSpan.FromMilliseconds(1_000));
        shedder.Evaluate(0, Level1Lag);
        Assert.Equal(1, shedder.Level);

        _time.Advance(TimeSpan.FromMilliseconds(999));
        shedder.Evaluate(0, Level1Lag); // level 1 has not had its time yet
        Assert.Equal(1, shedder.Level);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        shedder.Evaluate(0, Level1Lag);
        Assert.Equal(2, shedder.Level);
        Assert.Contains("after 1000 ms at level 1", shedder.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void When_shedding_low_brings_the_lag_below_its_threshold_normal_stays()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000);
        shedder.Evaluate(0, Level1Lag);
        _time.Advance(TimeSpan.FromMilliseconds(1_000));
        shedder.Evaluate(0, Level1Lag);

        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));
            shedder.Evaluate(0, Level1Lag - TimeSpan.FromMilliseconds(1));
        }
        _time.Advance(TimeSpan.FromMilliseconds(500));
        shedder.Evaluate(0, Level1Lag); // at the threshold again, but only just now

        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void Level_2_is_kept_while_the_lag_is_at_level_1s_threshold_so_it_does_not_flap()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000, recoverAfterMs: 0);
        shedder.Evaluate(0, Level2Lag);
        _time.Advance(TimeSpan.FromMilliseconds(1_000));
        shedder.Evaluate(0, Level2Lag);
        Assert.Equal(2, shedder.Level);

        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            shedder.Evaluate(0, Level1Lag); // below half of level 2's lag, but still at level 1's
        }
        Assert.Equal(2, shedder.Level);

        shedder.Evaluate(0, Level1Lag / 2 - TimeSpan.FromMilliseconds(1)); // calm starts
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void Returning_to_auto_measures_the_lag_anew_before_escalating()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000);
        shedder.Evaluate(0, Level1Lag);
        shedder.Set(auto: false, 1);
        _time.Advance(TimeSpan.FromSeconds(2));
        shedder.Set(auto: true, 0);

        shedder.Evaluate(0, Level1Lag);
        Assert.Equal(1, shedder.Level);
        _time.Advance(TimeSpan.FromMilliseconds(1_000));
        shedder.Evaluate(0, Level1Lag);
        Assert.Equal(2, shedder.Level);
    }

    [Fact]
    public void Queued_bytes_raise_the_level_at_once_whatever_RaiseAfterMs()
    {
        var shedder = NewShedder(raiseAfterMs: 60_000);

        shedder.Evaluate(Level2Bytes, TimeSpan.Zero);

        Assert.Equal(2, shedder.Level);
    }

    [Theory]
    [InlineData(5_000, 60, 5_000)]   // the defaults: a 1013 says "after 5000 ms"
    [InlineData(0, 60, 0)]
    [InlineData(60_000, 60, 40_000)] // kept within two thirds of the resume window, so a client that waits can resume
    [InlineData(600_000, 86_400, 600_000)]
    public void A_shed_client_is_told_to_wait_RecoverAfterMs_within_the_resume_window(int recoverAfterMs, int resumeWindowSeconds, int expected)
    {
        var shedder = new LoadShedder(Options.Create(new GatewayOptions
        {
            ResumeWindowSeconds = resumeWindowSeconds,
            Shedding = new SheddingOptions { RecoverAfterMs = recoverAfterMs },
        }), _time, NullLogger<LoadShedder>.Instance);

        Assert.Equal(expected, shedder.RetryAfterMs);
    }

    [Fact]
    public void Path_lag_raises_level_1_once_it_has_held_for_PathLagRaiseAfterMs()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000, pathRaiseAfterMs: 250);

        shedder.Evaluate(0, TimeSpan.Zero, Level1Path);
        _time.Advance(TimeSpan.FromMilliseconds(249));
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path);
        Assert.Equal(0, shedder.Level); // one round of late probes is not yet overload

        _time.Advance(TimeSpan.FromMilliseconds(1));
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path);
        Assert.Equal(1, shedder.Level);
        Assert.Contains("path lag 50 ms", shedder.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_lag_at_level_2s_threshold_raises_level_2()
    {
        var shedder = NewShedder(pathRaiseAfterMs: 250);

        shedder.Evaluate(0, TimeSpan.Zero, Level2Path);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        shedder.Evaluate(0, TimeSpan.Zero, Level2Path);

        Assert.Equal(2, shedder.Level);
    }

    [Fact]
    public void Path_lag_that_stays_at_level_1s_threshold_escalates_to_level_2_after_RaiseAfterMs_at_level_1()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000, pathRaiseAfterMs: 250);
        var tiers = (High: 10, Normal: 10, Low: 10);
        var late = Level2Path - TimeSpan.FromMilliseconds(1);

        shedder.Evaluate(0, TimeSpan.Zero, late, tiers);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        shedder.Evaluate(0, TimeSpan.Zero, late, tiers); // held 250 ms: level 1
        Assert.Equal(1, shedder.Level);
        _time.Advance(TimeSpan.FromMilliseconds(750));
        shedder.Evaluate(0, TimeSpan.Zero, late, tiers);
        Assert.Equal(1, shedder.Level); // level 1 has had 750 ms of its second
        _time.Advance(TimeSpan.FromMilliseconds(250));
        shedder.Evaluate(0, TimeSpan.Zero, late, tiers);

        Assert.Equal(2, shedder.Level);
        Assert.Contains("after 1000 ms at level 1", shedder.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_lag_at_level_1s_threshold_does_not_escalate_when_PathLagEscalates_is_off()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000, pathRaiseAfterMs: 250, pathLagEscalates: false);
        var tiers = (High: 10, Normal: 10, Low: 10);

        for (int i = 0; i < 40; i++)
        {
            shedder.Evaluate(0, TimeSpan.Zero, Level2Path - TimeSpan.FromMilliseconds(1), tiers);
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void Path_lag_escalates_only_while_high_users_are_connected()
    {
        var shedder = NewShedder(raiseAfterMs: 1_000, pathRaiseAfterMs: 250);

        for (int i = 0; i < 40; i++)
        {
            shedder.Evaluate(0, TimeSpan.Zero, Level2Path - TimeSpan.FromMilliseconds(1), (0, 10, 10));
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(1, shedder.Level);
    }

    [Theory]
    [InlineData(0, 10, 10, 1)] // no high users: level 2 would leave no one to serve
    [InlineData(0, 0, 10, 0)]  // only low users: level 1 would leave no one either
    [InlineData(1, 0, 0, 2)]
    public void Path_lag_raises_only_levels_that_leave_users_to_serve(int high, int normal, int low, int level)
    {
        var shedder = NewShedder(raiseAfterMs: 1_000, pathRaiseAfterMs: 0);

        for (int i = 0; i < 40; i++)
        {
            shedder.Evaluate(0, TimeSpan.Zero, Level2Path * 2, (high, normal, low));
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(level, shedder.Level);
    }

    [Theory]
    [InlineData(0, 10, 10, 1)] // no high users: level 2 would leave no one to serve, and there is no escalation to it
    [InlineData(0, 0, 10, 0)]
    [InlineData(1, 10, 10, 2)]
    public void Fan_out_lag_raises_only_levels_that_leave_users_to_serve(int high, int normal, int low, int level)
    {
        var shedder = NewShedder(raiseAfterMs: 500);

        for (int i = 0; i < 40; i++) // 10 s at level 2's fan-out lag
        {
            shedder.Evaluate(0, Level2Lag * 2, null, (high, normal, low));
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(level, shedder.Level);
    }

    [Fact]
    public void A_level_no_lag_could_raise_falls_once_the_queued_bytes_are_calm_however_late_the_deliveries()
    {
        var shedder = NewShedder(recoverAfterMs: 0);
        var normalOnly = (0, 10, 0);
        shedder.Evaluate(Level2Bytes, TimeSpan.Zero, null, normalOnly);
        Assert.Equal(2, shedder.Level);

        shedder.Evaluate(0, Level2Lag * 2, Level2Path * 2, normalOnly); // calm starts: the lags cannot hold level 2
        shedder.Evaluate(0, Level2Lag * 2, Level2Path * 2, normalOnly);
        Assert.Equal(1, shedder.Level);

        shedder.Evaluate(0, Level2Lag * 2, Level2Path * 2, normalOnly); // they can hold level 1
        shedder.Evaluate(0, Level2Lag * 2, Level2Path * 2, normalOnly);
        Assert.Equal(1, shedder.Level);
    }

    [Fact]
    public void Queued_bytes_shed_whatever_tiers_are_connected()
    {
        var shedder = NewShedder();

        shedder.Evaluate(Level2Bytes, TimeSpan.Zero, null, (0, 0, 10));

        Assert.Equal(2, shedder.Level);
    }

    [Fact]
    public void Path_lag_keeps_the_level_until_it_falls_below_the_recover_fraction_of_its_threshold()
    {
        var shedder = NewShedder(recoverAfterMs: 0, pathRaiseAfterMs: 0);
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path);
        Assert.Equal(1, shedder.Level);

        for (int i = 0; i < 5; i++) shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2); // half is not below half
        Assert.Equal(1, shedder.Level);

        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2 - TimeSpan.FromMilliseconds(1)); // calm starts
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2 - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, shedder.Level);
    }

    [Fact]
    public void No_path_lag_measured_is_no_pressure_and_counts_as_calm()
    {
        var shedder = NewShedder(recoverAfterMs: 0, pathRaiseAfterMs: 0);
        shedder.Evaluate(0, TimeSpan.Zero, null);
        Assert.Equal(0, shedder.Level);

        shedder.Evaluate(0, TimeSpan.Zero, Level1Path);
        shedder.Evaluate(0, TimeSpan.Zero, null); // shedding closed most connections: too few probes
        shedder.Evaluate(0, TimeSpan.Zero, null);
        Assert.Equal(0, shedder.Level);
    }

    [Fact]
    public void One_round_without_late_probes_restarts_the_path_lag_count()
    {
        var shedder = NewShedder(pathRaiseAfterMs: 250);

        shedder.Evaluate(0, TimeSpan.Zero, Level2Path);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        shedder.Evaluate(0, TimeSpan.Zero, null);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        shedder.Evaluate(0, TimeSpan.Zero, Level2Path);

        Assert.Equal(0, shedder.Level);
    }

    [Fact]
    public void A_tier_a_falling_level_stops_shedding_comes_back_at_the_initial_rate_and_more_each_calm_check()
    {
        var shedder = FallenToLevel0(readmitInitial: 40, readmitOpen: 1_000);

        // The check that dropped the level was calm: a quarter second at 40 a second.
        Assert.Equal(10, Admitted(shedder, Tier.Low, 100));
        Assert.Equal(40 * Math.Pow(2, 0.25), shedder.ReadmitRates.Low, 3); // it doubles every second of calm
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(11, Admitted(shedder, Tier.Low, 100)); // 40 × 2^¼ a second, a quarter second of it: 11.9
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(15, Admitted(shedder, Tier.Low, 100)); // 14.1, and the 0.9 carried
        Assert.Equal(100, Admitted(shedder, Tier.Normal, 100)); // level 1 never shed normal: no gate
        Assert.Equal(100, Admitted(shedder, Tier.High, 100));
    }

    [Fact]
    public void While_the_replica_is_not_calm_the_returning_tier_is_refused_and_its_rate_halves()
    {
        var shedder = FallenToLevel0(readmitInitial: 40, readmitOpen: 1_000);
        shedder.Evaluate(0, TimeSpan.Zero);
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.True(shedder.ReadmitRates.Low > 40);

        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2); // half level 1's path lag: not calm, though no level rises
        Assert.Equal(0, shedder.Level);
        Assert.Equal(0, Admitted(shedder, Tier.Low, 100));
        Assert.Equal(40, shedder.ReadmitRates.Low); // halved, not below the initial rate

        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(10, Admitted(shedder, Tier.Low, 100));
    }

    [Fact]
    public void The_gate_opens_once_its_rate_passes_ReadmitOpenPerSecond()
    {
        var shedder = FallenToLevel0(readmitInitial: 40, readmitOpen: 50);
        Assert.Equal(10, Admitted(shedder, Tier.Low, 100)); // the rate is now 47.6 a second
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(11, Admitted(shedder, Tier.Low, 100)); // and now 56.6

        shedder.Evaluate(0, TimeSpan.Zero); // past 50: open

        Assert.Equal(0, shedder.ReadmitRates.Low);
        Assert.Equal(1_000, Admitted(shedder, Tier.Low, 1_000));
    }

    [Fact]
    public void Level_2_falling_to_1_gates_normal_while_low_stays_refused()
    {
        var shedder = NewShedder(readmitInitial: 40, readmitOpen: 1_000);
        shedder.Evaluate(Level2Bytes, TimeSpan.Zero);
        shedder.Evaluate(0, TimeSpan.Zero); // calm starts
        shedder.Evaluate(0, TimeSpan.Zero); // level 1

        Assert.Equal(1, shedder.Level);
        Assert.Equal(10, Admitted(shedder, Tier.Normal, 100));
        Assert.Equal(0, Admitted(shedder, Tier.Low, 100));
        Assert.Equal(100, Admitted(shedder, Tier.High, 100));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_operators_level_or_a_return_to_auto_admits_everyone_it_does_not_shed_at_once(bool auto)
    {
        var shedder = FallenToLevel0(readmitInitial: 40, readmitOpen: 1_000);

        shedder.Set(auto, 0);

        Assert.Equal(100, Admitted(shedder, Tier.Low, 100));
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2); // a check that is not calm does not close it again
        Assert.Equal(100, Admitted(shedder, Tier.Low, 100));
    }

    [Fact]
    public void A_gate_opens_after_half_the_resume_window_however_busy_the_replica()
    {
        var shedder = FallenToLevel0(readmitInitial: 40, readmitOpen: 1_000); // the resume window is 60 s
        _time.Advance(TimeSpan.FromSeconds(29));
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2);
        Assert.Equal(0, Admitted(shedder, Tier.Low, 100));

        _time.Advance(TimeSpan.FromSeconds(1));
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2);

        Assert.Equal(100, Admitted(shedder, Tier.Low, 100));
    }

    [Fact]
    public void A_lag_holds_a_tier_back_only_where_it_could_shed_that_tier()
    {
        var shedder = NewShedder(readmitInitial: 40, readmitOpen: 1_000);

        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2, (High: 0, Normal: 10, Low: 10)); // not calm, and no high users

        Assert.True(shedder.Admits(Tier.Normal, returningFromShed: true)); // no level would shed normal here for a lag
        Assert.False(shedder.Admits(Tier.Low, returningFromShed: true));
        shedder.Evaluate(Level1Bytes / 2, TimeSpan.Zero, null, (High: 0, Normal: 10, Low: 10)); // bytes hold any tier back
        Assert.False(shedder.Admits(Tier.Normal, returningFromShed: true));
    }

    [Fact]
    public void At_the_default_fraction_the_gate_admits_until_a_pressure_reaches_level_1s_threshold()
    {
        var shedder = NewShedder(raiseAfterMs: 10_000, readmitBelow: 1.0);

        shedder.Evaluate(0, Level1Lag - TimeSpan.FromMilliseconds(1));
        Assert.True(shedder.Admits(Tier.Low, returningFromShed: true));
        shedder.Evaluate(0, Level1Lag);

        Assert.False(shedder.Admits(Tier.Low, returningFromShed: true));
        Assert.Equal(0, shedder.Level); // the lag has not held long enough to raise level 1: what refuses is the gate
    }

    [Fact]
    public void A_session_shed_elsewhere_that_resumes_here_while_this_replica_is_not_calm_starts_its_tiers_gate()
    {
        var shedder = NewShedder(readmitInitial: 40, readmitOpen: 1_000);
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2); // not calm, though level 0

        Assert.False(shedder.Admits(Tier.Normal, returningFromShed: true));
        Assert.True(shedder.Admits(Tier.Normal, returningFromShed: false)); // a fresh identify, or a resume after a partition
        Assert.True(shedder.Admits(Tier.High, returningFromShed: true));
        Assert.Equal(0, shedder.ReadmitRates.Normal); // the gate starts at the next check

        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2); // still not calm: started, it admits nobody of the tier
        Assert.Equal(0, Admitted(shedder, Tier.Normal, 100));
        Assert.Equal(40, shedder.ReadmitRates.Normal);
        Assert.True(shedder.Admits(Tier.Low, returningFromShed: false));

        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(10, Admitted(shedder, Tier.Normal, 100));
    }

    [Fact]
    public void A_session_shed_elsewhere_is_admitted_at_once_by_a_calm_replica_or_one_an_operator_runs()
    {
        var calm = NewShedder(readmitInitial: 40, readmitOpen: 1_000);
        calm.Evaluate(0, TimeSpan.Zero);
        var forced = NewShedder(readmitInitial: 40, readmitOpen: 1_000);
        forced.Evaluate(0, TimeSpan.Zero, Level1Path / 2);
        forced.Set(auto: false, 0);

        Assert.Equal(100, Enumerable.Range(0, 100).Count(_ => calm.Admits(Tier.Low, returningFromShed: true)));
        Assert.Equal(100, Enumerable.Range(0, 100).Count(_ => forced.Admits(Tier.Low, returningFromShed: true)));
    }

    [Fact]
    public void With_no_rate_to_open_at_a_tier_comes_back_at_once()
    {
        var shedder = FallenToLevel0(readmitInitial: 40, readmitOpen: 0);

        Assert.Equal(100, Admitted(shedder, Tier.Low, 100));
        Assert.Equal(0, shedder.ReadmitRates.Low);
        shedder.Evaluate(0, TimeSpan.Zero, Level1Path / 2);
        Assert.True(shedder.Admits(Tier.Low, returningFromShed: true));
    }

    // Level 1 raised by queued bytes, then calm until it falls (RecoverAfterMs 0: the second calm check drops it).
    private LoadShedder FallenToLevel0(double readmitInitial, double readmitOpen)
    {
        var shedder = NewShedder(readmitInitial: readmitInitial, readmitOpen: readmitOpen);
        shedder.Evaluate(Level1Bytes, TimeSpan.Zero);
        shedder.Evaluate(0, TimeSpan.Zero);
        shedder.Evaluate(0, TimeSpan.Zero);
        Assert.Equal(0, shedder.Level);
        return shedder;
    }

    private static int Admitted(LoadShedder shedder, Tier tier, int attempts)
    {
        int admitted = 0;
        for (int i = 0; i < attempts; i++)
        {
            if (shedder.Admits(tier)) admitted++;
        }
        return admitted;
    }

    private LoadShedder NewShedder(int recoverAfterMs = 0, int raiseAfterMs = 0, int pathRaiseAfterMs = 0, double readmitInitial = 20, double readmitOpen = 1_000,
        bool pathLagEscalates = true, double readmitBelow = 0.5) =>
        new(Options.Create(new GatewayOptions
        {
            Shedding = new SheddingOptions
            {
                Level1QueuedBytes = Level1Bytes,
                Level2QueuedBytes = Level2Bytes,
                Level1FanoutLagMs = (int)Level1Lag.TotalMilliseconds,
                Level2FanoutLagMs = (int)Level2Lag.TotalMilliseconds,
                RecoverFraction = 0.5,
                RecoverAfterMs = recoverAfterMs,
                RaiseAfterMs = raiseAfterMs,
                Level1PathLagMs = (int)Level1Path.TotalMilliseconds,
                Level2PathLagMs = (int)Level2Path.TotalMilliseconds,
                PathLagRaiseAfterMs = pathRaiseAfterMs,
                SingleConnectionShare = 0.5,
                ReadmitInitialPerSecond = readmitInitial,
                ReadmitOpenPerSecond = readmitOpen,
                ReadmitBelowFraction = readmitBelow,
                PathLagEscalates = pathLagEscalates,
            },
        }), _time, NullLogger<LoadShedder>.Instance);
}
