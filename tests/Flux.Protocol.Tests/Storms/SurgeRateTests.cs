using Flux.Protocol.Storms;

namespace Flux.Protocol.Tests.Storms;

/// <summary>A surge raises the send rate: linearly to its factor over its first half, held over its second half.</summary>
public sealed class SurgeRateTests
{
    private static readonly StormPlan Plan = new()
    {
        Users = 1_000, Rate = 500, Ramp = 10, Duration = 100,
        Faults = [new FaultSpec(FaultKind.Surge, At: 20, Duration: 20, Factor: 5)],
    };

    [Theory]
    [InlineData(0, 1)]
    [InlineData(19.99, 1)]
    [InlineData(20, 1)]
    [InlineData(25, 3)]       // a quarter in: half way up from 1 to 5
    [InlineData(30, 5)]
    [InlineData(39.99, 5)]
    [InlineData(40, 1)]       // over: back to the plan's rate
    [InlineData(100, 1)]
    public void The_rate_factor_climbs_holds_and_falls_back(double second, double factor)
    {
        Assert.Equal(factor, Plan.RateFactorAt(second), precision: 2);
    }

    [Fact]
    public void Other_faults_leave_the_rate_alone()
    {
        var plan = Plan with { Faults = [new FaultSpec(FaultKind.Partition, At: 20, Duration: 20, Clients: 5, Factor: 9)] };

        Assert.Equal(1, plan.RateFactorAt(30));
        Assert.Equal(plan.RatePerUser * 60, plan.BusiestWindowSendsPerUser(60), precision: 6);
    }

    [Fact]
    public void The_busiest_window_holds_the_whole_surge()
    {
        // 60 s around the surge: 40 s at the plan's rate, 10 s climbing (3× on average), 10 s at 5×: 40 + 30 + 50 = 120
        // seconds' worth of the plan's rate per user.
        double perUser = Plan.RatePerUser;

        Assert.Equal(120 * perUser, Plan.BusiestWindowSendsPerUser(60), precision: 1);
        Assert.Equal(50 * perUser, Plan.BusiestWindowSendsPerUser(10), precision: 1); // the 10 s held at 5×
    }
}
