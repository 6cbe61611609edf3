using Flux.Protocol.Storms;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>Users cut off by a partition reconnect to the other gateway, resume, and get everything they missed.</summary>
[Collection(StormCollection.Name)]
public sealed class PartitionResumeTests(GatewayPairFixture gateways, ITestOutputHelper output) : IClassFixture<GatewayPairFixture>
{
    [Fact]
    public async Task Partitioned_users_resume_with_nothing_lost()
    {
        var plan = new StormPlan
        {
            Scenario = "partition",
            Users = 30,
            Guilds = 3,
            Rate = 60,
            Ramp = 1,
            Duration = 4,
            Faults = [new FaultSpec(FaultKind.Partition, At: 2, Duration: 2, Clients: 10)],
        };

        var report = await InProcessStorm.RunAsync(plan, gateways, output);

        Assert.True(report.InjectedDisconnects >= 10, $"{report.InjectedDisconnects} injected disconnects for 10 partitioned users");
        Assert.True(report.Details.Resumes >= 10, $"{report.Details.Resumes} resumes for 10 partitioned users");
        Assert.Equal((0L, 0L, 0L), (report.Lost, report.Duplicates, report.UnexpectedDisconnects));
        var partitioned = report.Cohorts["partitioned"];
        Assert.Equal(10, partitioned.Users);
        Assert.True(partitioned.Delivered > 0, "the partitioned users received nothing");
        Assert.False(report.Cohorts.ContainsKey("slow_consumers"));
        // Nothing is sampled: the replayed deliveries at the end of the drain have their latencies too.
        Assert.Equal(report.Delivered, report.LatencyMs.Count + partitioned.LatencyMs.Count);
    }
}
