using Aspire.Hosting.Testing;

namespace Flux.AppHost.Tests;

/// <summary>Flux:Swarm:Agents=2: a storm started as a user starts one runs on two swarm processes and reports as one.</summary>
[Collection(AloneCollection.Name)]
public sealed class SwarmAgentsModeTests(SwarmAgentsApp fixture) : IClassFixture<SwarmAgentsApp>
{
    [Fact]
    public async Task A_smoke_storm_runs_on_both_swarm_processes_and_one_report_accounts_for_every_message()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync("swarm", "start-smoke-storm", timeout.Token);

        // Behaviour, not timing: the verdict may be an SLA breach on a busy machine, but nothing may be lost or repeated.
        string report = result.Data?.Value ?? "";
        Assert.Contains("| lost | 0 |", report);
        Assert.Contains("| duplicates | 0 |", report);
        Assert.Contains("| reordered | 0 |", report);
        Assert.DoesNotContain("not carried out", report); // both shards carried out the plan (an agent's notes are only notes)
        Assert.Contains("## Shards", report);
        Assert.Contains("| 0 | coordinator | 50 |", report);
        Assert.Matches(@"\| 1 \| http://[^ |]+ \| 50 \|", report);
    }
}
