using Flux.Protocol.Storms;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>Users that stop reading are measured apart: their latencies never enter the healthy percentiles.</summary>
[Collection(StormCollection.Name)]
public sealed class SlowConsumerCohortTests(GatewayPairFixture gateways, ITestOutputHelper output) : IClassFixture<GatewayPairFixture>
{
    [Fact]
    public async Task Slow_consumers_are_reported_as_their_own_cohort_and_the_healthy_latencies_exclude_them()
    {
        var plan = new StormPlan
        {
            Scenario = "slow",
            Users = 20,
            Guilds = 2,
            Rate = 40,
            Ramp = 1,
            Duration = 4,
            Faults = [new FaultSpec(FaultKind.SlowConsumers, At: 2, Duration: 2, Clients: 3)],
        };

        var report = await InProcessStorm.RunAsync(plan, gateways, output);

        var slow = report.Cohorts["slow_consumers"];
        Assert.Equal(3, slow.Users);
        Assert.True(slow.Delivered > 0, "the slow consumers received nothing");
        // Every delivery is in exactly one block: the healthy latencies plus the cohort's deliveries are all of them
        // (deliveries to the slow consumers before the fault picked them are healthy ones).
        Assert.Equal(report.Delivered, report.LatencyMs.Count + slow.Delivered);
        Assert.False(report.Cohorts.ContainsKey("partitioned"));
        Assert.Equal(0, report.Lost);
    }
}
