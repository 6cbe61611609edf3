using Flux.Protocol.Storms;
using Flux.Protocol.Wire;
using Flux.Swarm.Storms;

namespace Flux.Swarm.Tests.Unit;

/// <summary>A plan is checked against the limits the gateway advertises before it starts.</summary>
public sealed class PlanCheckTests
{
    private static readonly GatewayLimits Limits = new(Sends: 120, WindowSeconds: 60, FrameBytes: 4096, BodyChars: 2000, HeartbeatsPerInterval: 5, ConnectionsPerUser: 5);

    [Fact]
    public void The_seed_plan_fits_the_default_limits()
    {
        Assert.Null(PlanCheck.Refusal(StormPresets.Get(StormPresets.Seed), Limits));
        Assert.Null(PlanCheck.Refusal(StormPresets.Get(StormPresets.TenThousand), Limits));
    }

    [Theory]
    [InlineData(3.0)]
    [InlineData(2.0)]
    [InlineData(1.5)]
    public void A_per_user_rate_whose_busy_windows_break_the_send_limit_is_refused_with_what_would_fit(double perUser)
    {
        var plan = new StormPlan { Users = 1_000, Rate = 1_000 * perUser };

        string? refusal = PlanCheck.Refusal(plan, Limits);

        Assert.NotNull(refusal);
        Assert.Contains("120 per 60 s per user", refusal);
        Assert.Contains("--allow-limit-breach", refusal);
        Assert.Contains("Lower --rate to about", refusal);
    }

    [Fact]
    public void The_rate_it_suggests_fits()
    {
        var plan = new StormPlan { Users = 1_000, Rate = 3_000 };
        string refusal = PlanCheck.Refusal(plan, Limits)!;
        double suggested = double.Parse(System.Text.RegularExpressions.Regex.Match(refusal, @"about ([\d,]+) msg/s").Groups[1].Value.Replace(",", ""),
            System.Globalization.CultureInfo.InvariantCulture);

        Assert.Null(PlanCheck.Refusal(plan with { Rate = suggested }, Limits));
        Assert.NotNull(PlanCheck.Refusal(plan with { Rate = suggested * 1.2 }, Limits));
    }

    [Fact]
    public void Allow_limit_breach_lets_a_rate_breach_run_but_not_frames_that_cannot_fit()
    {
        var fast = new StormPlan { Users = 100, Rate = 300, AllowLimitBreach = true };
        var huge = new StormPlan { BodyBytes = 2_000, AllowLimitBreach = true };

        Assert.Null(PlanCheck.Refusal(fast, Limits));
        Assert.Contains("the gateway takes at most 2000", PlanCheck.Refusal(huge, Limits with { FrameBytes = 2000 }));
    }

    [Fact]
    public void A_surge_counts_in_the_busiest_window()
    {
        // 0.5 msg/s per user fits (30 per window); a surge to 5× for 60 s does not (about 105 in its busiest window,
        // plus the deviation margin).
        var steady = new StormPlan { Users = 1_000, Rate = 500, Duration = 200 };
        var surging = steady with { Faults = [new FaultSpec(FaultKind.Surge, At: 50, Duration: 60, Factor: 5)] };

        Assert.Null(PlanCheck.Refusal(steady, Limits));
        string? refusal = PlanCheck.Refusal(surging, Limits);
        Assert.NotNull(refusal);
        Assert.Contains("more during one", refusal);
        Assert.Null(PlanCheck.Refusal(StormPresets.Get(StormPresets.Overload), Limits));
    }
}
