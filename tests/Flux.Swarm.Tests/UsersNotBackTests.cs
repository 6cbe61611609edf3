using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>
/// A run that ends with users still away says so: what they were owed is counted apart from loss (a hole below what a
/// user received), and the run fails on both, never passes.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class UsersNotBackTests(GatewayPairFixture gateways, ITestOutputHelper output) : IClassFixture<GatewayPairFixture>
{
    [Fact]
    public async Task Users_cut_off_past_the_end_are_owed_their_deliveries_not_counted_as_lost_and_the_run_fails()
    {
        var plan = new StormPlan
        {
            Scenario = "not-back",
            Users = 20,
            Guilds = 2,
            Rate = 40,
            Ramp = 1,
            Duration = 5,
            // Cut off at 3 s for a minute: they cannot be back before the run and its drain end.
            Faults = [new FaultSpec(FaultKind.Partition, At: 3, Duration: 60, Clients: 3)],
        };

        var report = await InProcessStorm.RunAsync(plan, gateways, output);

        // Not a pass: failed, or inconclusive when the swarm itself could not keep its schedule (a busy test machine),
        // which the verdict states and which still names the users not back.
        Assert.True(report.Outcome == StormOutcomes.Failed || (report.Outcome == StormOutcomes.Inconclusive && report.Generator.Saturated),
            $"{report.Outcome}: {report.Verdict}");
        Assert.Contains("not reconnected by the end", report.Verdict, StringComparison.Ordinal);
        Assert.Equal(0, report.Lost);
        var partition = Assert.Single(report.Faults, f => f.Kind == "partition");
        Assert.Equal(3, partition.Effect("users_not_back"));
        Assert.True(partition.Effect("owed_to_users_not_back") > 0, "nothing was counted as owed to the users still away");
        Assert.Contains(report.Causes, c => c.Contains("deliveries owed to users not back by the end", StringComparison.Ordinal));
    }
}
