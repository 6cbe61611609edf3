using System.Diagnostics;
using Flux.Protocol.Admin;
using Flux.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Flux.Gateway.Tests;

/// <summary>
/// The gateway's traces, through the real OpenTelemetry pipeline of the service defaults (an in-memory exporter in
/// place of OTLP): polls count in metrics but start no trace, and every other admin call is still traced.
/// </summary>
public sealed class TracingTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_polled_GetStats_starts_no_trace_while_other_admin_calls_are_traced()
    {
        var exported = new List<Activity>();
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString,
            configure: builder => builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(exported)));

        for (int i = 0; i < 5; i++) await gateway.Admin.GetStatsAsync(new GetStatsRequest());
        await gateway.Admin.SetSheddingAsync(new SetSheddingRequest { Auto = true });

        string[] paths = await ExportedPathsAsync(exported, expected: "/flux.admin.v1.GatewayAdmin/SetShedding");
        Assert.Contains("/flux.admin.v1.GatewayAdmin/SetShedding", paths);
        Assert.DoesNotContain("/flux.admin.v1.GatewayAdmin/GetStats", paths);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5001/flux.admin.v1.GatewayAdmin/GetStats", true)]
    [InlineData("http://swarm/flux.swarm.v1.SwarmControl/ListStorms", true)]
    [InlineData("http://swarm/flux.swarm.v1.SwarmControl/GetStorm", true)]
    [InlineData("http://127.0.0.1:5000/health", true)]
    [InlineData("http://swarm/flux.swarm.v1.SwarmControl/StartStorm", false)]
    [InlineData("http://swarm/flux.swarm.v1.SwarmControl/WatchStorm", false)]
    [InlineData("http://127.0.0.1:5001/flux.admin.v1.GatewayAdmin/InjectFault", false)]
    public void Outgoing_polls_and_probes_are_not_traced_and_everything_else_is(string url, bool poll)
    {
        Assert.Equal(poll, Extensions.IsPoll(new Uri(url)));
    }

    // The server span ends just after the response is written: wait for the call that must be there.
    private static async Task<string[]> ExportedPathsAsync(List<Activity> exported, string expected)
    {
        for (int i = 0; i < 50; i++)
        {
            string[] paths;
            lock (exported) paths = [.. exported.Select(a => a.GetTagItem("url.path") as string ?? a.DisplayName)];
            if (paths.Contains(expected)) return paths;
            await Task.Delay(100);
        }
        lock (exported) return [.. exported.Select(a => a.GetTagItem("url.path") as string ?? a.DisplayName)];
    }
}
