using System.Diagnostics.Metrics;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Distributed;
using Flux.Swarm.Measurement;
using Flux.Swarm.Reporting;
using Flux.Swarm.Storms;
using Flux.Swarm.Telemetry;
using Flux.Testing;
using HdrHistogram;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>
/// One storm on two swarm processes on this machine: this test is the coordinator (shard 0), and a real swarm service in
/// a process of its own, on loopback gRPC, is the agent (shard 1). Guilds mix both shards' users, so most deliveries cross from one to the other.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class DistributedStormTests(GatewayPairFixture gateways, ITestOutputHelper output) : IClassFixture<GatewayPairFixture>, IAsyncLifetime
{
    private static readonly AgentAccess Agents = new(TestKeys.SwarmKey);

    private SwarmAgentHost _agent = null!;

    public async Task InitializeAsync() => _agent = await SwarmAgentHost.StartAsync(gateways.Redis.ConnectionString);

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Fact]
    public async Task Two_agents_account_for_every_message_and_the_merged_histogram_is_the_sum_of_theirs()
    {
        // The smoke storm with its faults (2 slow consumers, 5 partitioned users who resume), split over two shards.
        var plan = StormPresets.Get(StormPresets.Smoke) with { Duration = 6, Ramp = 1 };

        var report = await RunDistributedAsync(plan);

        // Exact, as on one process: every expected delivery arrived once and in order, whichever shard sent it.
        Assert.Equal((0L, 0L, 0L, 0L), (report.Lost, report.Duplicates, report.Reordered, report.UnexpectedDisconnects));
        Assert.True(report.Delivered > 0, "nothing was delivered");
        Assert.Equal(report.ExpectedDeliveries, report.Delivered);
        Assert.Equal(0, report.Details.ForeignFrames);
        Assert.Equal(5, report.Cohorts["partitioned"].Users);
        Assert.Equal(2, report.Cohorts["slow_consumers"].Users);

        var shards = Assert.IsType<ShardsBlock>(report.Shards);
        Assert.Equal(2, shards.Each.Count);
        Assert.Equal((50, 50), (shards.Each[0].Users, shards.Each[1].Users));
        Assert.All(shards.Each, s => Assert.True(s.Sent > 0 && s.Delivered > 0, $"shard {s.Shard} sent {s.Sent}, delivered {s.Delivered}"));
        // The report's counts are the shards' sums.
        Assert.Equal(report.Delivered, shards.Each.Sum(s => s.Delivered));
        Assert.Equal(report.Sent, shards.Each.Sum(s => s.Sent));
        // One machine, one clock: the agent's offset is within its bound of zero, and the bound is small.
        var agent = shards.Each[1];
        Assert.True(agent.ClockUncertaintyMs < 5, $"clock uncertainty {agent.ClockUncertaintyMs} ms");
        Assert.True(Math.Abs(agent.ClockOffsetMs) <= agent.ClockUncertaintyMs + 1, $"clock offset {agent.ClockOffsetMs} ms ± {agent.ClockUncertaintyMs}");
        Assert.True(Math.Abs(agent.ClockDriftMs) < 5, $"clock drift {agent.ClockDriftMs} ms over a few seconds on one machine");

        // The merged histogram is exactly the sum of the shards' raw histograms, value by value, and it is what the
        // report's latency block summarises.
        var merged = Decode(shards.HealthyHistogram);
        var recomputed = HistogramCodec.Sum(shards.Each.Select(s => Decode(s.HealthyHistogram)));
        Assert.Equal(Counts(recomputed), Counts(merged));
        Assert.Equal(report.LatencyMs.Count, merged.TotalCount);
        Assert.Equal(report.LatencyMs.P99, merged.GetValueAtPercentile(99) / 1000.0);
        Assert.True(shards.Each.All(s => Decode(s.HealthyHistogram).TotalCount > 0), "a shard recorded no healthy latency");
    }

    [Fact]
    public async Task An_sla_no_delivery_can_meet_is_judged_on_every_shards_seconds_and_the_storm_does_not_pass()
    {
        // No delivery takes under 1 µs, so every second with deliveries breaches p99; the windows merged from both shards
        // must hold the breach for the whole window and raise a violation, as one process does. (The p95 limit stays at
        // 50 ms: it sets how well the agents' clocks must be known, see the next test.)
        var plan = StormPresets.Get(StormPresets.Smoke) with { Duration = 6, Ramp = 1, Faults = [], Sla = new SlaSpec(50, 0.001, 3) };

        var report = await RunDistributedAsync(plan);

        Assert.NotEqual(StormOutcomes.Passed, report.Outcome);
        Assert.False(report.Sla.Passed);
        Assert.NotEmpty(report.Sla.Violations);
        Assert.Contains(report.Timeline, row => row.Phase == "steady" && row.P99Ms > 0);
        Assert.Equal((0L, 0L, 0L), (report.Lost, report.Duplicates, report.Reordered));
    }

    [Fact]
    public async Task A_storm_whose_sla_is_finer_than_the_agents_clocks_can_be_known_is_refused()
    {
        // A p95 limit of 1 µs allows 0.1 µs of clock uncertainty: no gRPC round trip is that short.
        var plan = StormPresets.Get(StormPresets.Smoke) with { Faults = [], Sla = new SlaSpec(0.001, 0.001, 3), Gateways = gateways.WebSocketUrls.ToArray() };

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ShardCoordinator.ConnectAsync([_agent.GrpcUri], plan, Agents, CancellationToken.None));

        Assert.Contains("cannot be bounded within", ex.Message);
        Assert.Contains(_agent.GrpcUri.ToString(), ex.Message);
    }

    [Fact]
    public async Task A_storm_whose_agent_goes_away_fails_and_names_the_agent()
    {
        var plan = StormPresets.Get(StormPresets.Smoke) with { Duration = 6, Ramp = 1, Faults = [] };
        var (run, coordinator) = await StartDistributedAsync(plan);
        await using var _ = coordinator;

        // Kill it mid-run: once the coordinator's live view shows every user connected (the agent's shard included), or
        // halfway through the steady phase, whichever comes first.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(plan.Ramp + plan.Duration / 2);
        while (run.Latest?.Connections != plan.Users && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.False(run.IsOver, "the run ended before its agent could be killed");
        await _agent.KillAsync();
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(plan.TotalSeconds) + StormDrain.Cap + TimeSpan.FromSeconds(30));

        Assert.Null(run.Report);
        Assert.Contains(_agent.GrpcUri.ToString(), run.Error ?? "");
        output.WriteLine(run.Error);
    }

    [Fact]
    public async Task A_peer_storm_is_refused_as_a_distributed_one_with_a_reason()
    {
        var plan = StormPresets.Get(StormPresets.Smoke) with { Target = TargetKind.SignalR, Faults = [] };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => ShardCoordinator.ConnectAsync([_agent.GrpcUri], plan, Agents, CancellationToken.None));

        Assert.Contains("runs on one swarm process", ex.Message);
    }

    [Fact]
    public async Task An_agent_already_running_a_shard_refuses_another()
    {
        var plan = StormPresets.Get(StormPresets.Smoke) with { Duration = 4, Ramp = 1, Faults = [] };
        var (first, coordinator) = await StartDistributedAsync(plan);
        await using var _ = coordinator;

        await using var second = await ShardCoordinator.ConnectAsync([_agent.GrpcUri], plan with { Gateways = gateways.WebSocketUrls.ToArray() }, Agents, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(StormRun.NewRunId(), 7, plan with { Gateways = gateways.WebSocketUrls.ToArray() }, CancellationToken.None));
        Assert.Contains("still running", ex.Message);

        first.Stop();
        await first.Completion.WaitAsync(StormDrain.Cap + TimeSpan.FromSeconds(30));
        Assert.NotNull(first.Report);
    }

    private async Task<StormReport> RunDistributedAsync(StormPlan plan)
    {
        var (run, coordinator) = await StartDistributedAsync(plan);
        await using var _ = coordinator;
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(plan.TotalSeconds) + Flux.Swarm.Distributed.ShardRole.ExchangeTimeout);
        Assert.True(run.Report is not null, $"the storm failed: {run.Error}");
        output.WriteLine(ReportWriter.ToJson(run.Report)); // shown when a test fails
        return run.Report;
    }

    private async Task<(StormRun Run, ShardCoordinator Coordinator)> StartDistributedAsync(StormPlan plan)
    {
        plan = plan with { Gateways = [.. gateways.Targets.Select(t => t.WebSocket.ToString())] };
        Assert.Empty(StormPlanValidator.Validate(plan));
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new SwarmMetrics(services.GetRequiredService<IMeterFactory>());
        var coordinator = await ShardCoordinator.ConnectAsync([_agent.GrpcUri], plan, Agents, CancellationToken.None);
        string runId = StormRun.NewRunId();
        var role = await coordinator.StartAsync(runId, 42, plan, CancellationToken.None);
        var run = StormRun.Start(plan, gateways.Targets, TestKeys.Issuer, metrics, NullLogger.Instance, runId, 42, role: role);
        return (run, coordinator);
    }

    private static HistogramBase Decode(string base64) => HistogramCodec.Decode(Convert.FromBase64String(base64));

    private static List<(long Value, long Count)> Counts(HistogramBase histogram) =>
        [.. histogram.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo))];

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-swarm-key-0123456789")]
    public async Task Every_kind_of_call_to_the_swarm_without_its_key_is_refused(string? key)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(_agent.GrpcUri);
        var invoker = Flux.Protocol.Security.ServiceKey.Swarm.Attach(channel, key);
        var control = new Flux.Protocol.Control.SwarmControl.SwarmControlClient(invoker);
        var agent = new Flux.Protocol.Agents.SwarmAgent.SwarmAgentClient(invoker);

        // Unary, server streaming, and the agent's duplex stream: each is UNAUTHENTICATED.
        await AssertUnauthenticatedAsync(async () => await control.ListStormsAsync(new Flux.Protocol.Control.ListStormsRequest()));
        await AssertUnauthenticatedAsync(async () =>
        {
            using var watch = control.WatchStorm(new Flux.Protocol.Control.StormRef { Id = "any" });
            await watch.ResponseStream.MoveNext(CancellationToken.None);
        });
        await AssertUnauthenticatedAsync(async () => await agent.ReadClockAsync(new Flux.Protocol.Agents.ClockRequest()));
        await AssertUnauthenticatedAsync(async () =>
        {
            using var shard = agent.RunShard();
            await shard.RequestStream.WriteAsync(new Flux.Protocol.Agents.CoordinatorMessage { Start = new Flux.Protocol.Agents.ShardStart() });
            await shard.ResponseStream.MoveNext(CancellationToken.None);
        });

        // With the key the same calls are answered.
        var keyed = new Flux.Protocol.Control.SwarmControl.SwarmControlClient(Flux.Protocol.Security.ServiceKey.Swarm.Attach(channel, TestKeys.SwarmKey));
        Assert.NotNull(await keyed.ListStormsAsync(new Flux.Protocol.Control.ListStormsRequest()));
    }

    [Theory]
    [InlineData("http://10.1.2.3:5301", false, true)]
    [InlineData("http://10.1.2.3:5301", true, false)]
    [InlineData("https://agent.example:5301", false, false)]
    [InlineData("http://127.0.0.1:5301", false, false)]
    [InlineData("http://localhost:5301", false, false)]
    public void An_agent_off_this_machine_over_plain_http_is_refused_unless_allowed(string url, bool allowInsecure, bool refused)
    {
        var warned = new List<string>();
        var access = new AgentAccess(TestKeys.SwarmKey, allowInsecure, warned.Add);

        var error = Record.Exception(() => access.Check(new Uri(url)));

        Assert.Equal(refused, error is ArgumentException);
        Assert.Equal(allowInsecure && !refused && url.StartsWith("http://10.", StringComparison.Ordinal), warned.Count == 1);
    }

    private static async Task AssertUnauthenticatedAsync(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(call);
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, error.StatusCode);
    }
}
