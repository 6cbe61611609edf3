using Flux.Protocol.Storms;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>The smoke storm, shortened, against two real gateways: both faults fire and every message is accounted for.</summary>
[Collection(StormCollection.Name)]
public sealed class SmokeStormTests(GatewayPairFixture gateways, ITestOutputHelper output) : IClassFixture<GatewayPairFixture>
{
    [Fact]
    public async Task A_smoke_storm_with_slow_consumers_and_a_partition_loses_duplicates_and_reorders_nothing()
    {
        // 100 users in 4 guilds at 100 msg/s: 1 s ramp, 6 s steady; 2 slow consumers at 4 s and 5 users
        // partitioned at 6 s, both for 2 s (the partitioned ones resume during the drain).
        var plan = StormPresets.Get(StormPresets.Smoke) with { Duration = 6, Ramp = 1 };

        var report = await InProcessStorm.RunAsync(plan, gateways, output);

        // Delivery is exact, so these are strict: nothing lost, duplicated or reordered, and no disconnect the
        // plan did not cause. The only looseness is in what the faults pick (users still connecting are passed
        // over) and how many messages the Poisson schedule sends. Latency is not asserted: it depends on the machine.
        Assert.Equal((0L, 0L, 0L, 0L), (report.Lost, report.Duplicates, report.Reordered, report.UnexpectedDisconnects));
        Assert.True(report.Delivered > 0, "nothing was delivered");
        Assert.Equal(report.ExpectedDeliveries, report.Delivered);
        Assert.Contains(report.Notes, n => n.StartsWith("the drain settled in ", StringComparison.Ordinal));
        Assert.True(report.Sent > 300, $"only {report.Sent} messages were sent of about 650 planned");
        Assert.Equal(2, report.Cohorts["slow_consumers"].Users);
        Assert.Equal(5, report.Cohorts["partitioned"].Users);
        Assert.True(report.InjectedDisconnects >= 5, $"{report.InjectedDisconnects} injected disconnects for 5 partitioned users");
        // Nothing is sampled: every delivery's latency is in exactly one block, the healthy one or its cohort's.
        Assert.Equal(report.Delivered, report.LatencyMs.Count + report.Cohorts.Values.Sum(c => c.LatencyMs.Count));
    }
}
