using System.Diagnostics.Metrics;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Reporting;
using Flux.Swarm.Runs;
using Flux.Swarm.Storms;
using Flux.Swarm.Telemetry;
using Flux.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>Runs a storm plan in this process against the fixture's gateways, as the CLI and the swarm service do.</summary>
internal static class InProcessStorm
{
    /// <summary>Beyond the plan's own length: the drain (bounded by StormDrain.Cap) and the closes after it.</summary>
    private static readonly TimeSpan Overrun = StormDrain.Cap + TimeSpan.FromSeconds(20);

    public static Task<StormReport> RunAsync(StormPlan plan, GatewayPairFixture gateways, ITestOutputHelper output, string? redis = null) =>
        RunAsync(plan, gateways.Targets, output, redis);

    /// <param name="redis">The backplane's connection string, for the restart-redis fault.</param>
    /// <param name="during">Runs beside the storm (a visitor chatting in it, say); the report waits for it.</param>
    public static async Task<StormReport> RunAsync(StormPlan plan, IReadOnlyList<GatewayTarget> targets, ITestOutputHelper output, string? redis = null,
        Func<StormRun, Task>? during = null)
    {
        plan = plan with { Gateways = [.. targets.Select(t => t.WebSocket.ToString())] };
        Assert.Empty(StormPlanValidator.Validate(plan));
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new SwarmMetrics(services.GetRequiredService<IMeterFactory>());

        var run = StormRun.Start(plan, targets, TestKeys.Issuer, metrics, NullLogger.Instance, seed: 42, redis: redis);
        if (during is not null) await during(run);
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(plan.TotalSeconds) + Overrun);

        Assert.True(run.Report is not null, $"the storm failed: {run.Error}");
        output.WriteLine(ReportWriter.ToJson(run.Report)); // shown when a test fails
        return run.Report;
    }
}
