using Bunit;
using Flux.Dashboard.Components.Storms;
using Flux.Dashboard.Gateways;
using Flux.Protocol.Admin;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;

namespace Flux.Dashboard.Tests;

/// <summary>The live view draws what the snapshots say.</summary>
public sealed class LiveViewTests : BunitContext
{
    private static readonly StormPlan Plan = StormPresets.Get(StormPresets.Seed);

    [Fact]
    public void Shows_the_latest_snapshot_in_its_tiles()
    {
        var view = Render<LiveView>(p => p
            .Add(v => v.Plan, Plan)
            .Add(v => v.Snapshots, [Snapshot(1, StormPhase.Ramping, p99: 9.5), Snapshot(2, StormPhase.Steady, p99: 12.34, lost: 3)]));

        Assert.Equal("steady", Text(view, "storm-state"));
        Assert.Equal("12.3", Text(view, "p99-ms"));
        Assert.Equal("7.0", Text(view, "p95-ms"));
        Assert.Equal("1,000", Text(view, "connections"));
        Assert.Equal("50,000", Text(view, "delivered-per-s"));
        Assert.Equal("3", Text(view, "lost"));
        Assert.Equal("ok", Text(view, "sla-status"));
    }

    [Fact]
    public void Idle_before_any_snapshot()
    {
        var view = Render<LiveView>();

        Assert.Equal("idle", Text(view, "storm-state"));
        Assert.Equal("–", Text(view, "p99-ms"));
    }

    [Fact]
    public void A_breach_turns_the_banner_red_with_its_text()
    {
        var breach = Snapshot(30, StormPhase.Steady, p99: 140);
        breach.SlaViolated = true;
        breach.SlaMessage = "P95 > 50 ms for 10 s";

        var view = Render<LiveView>(p => p.Add(v => v.Plan, Plan).Add(v => v.Snapshots, [breach]));

        Assert.Equal("violated", Text(view, "sla-status"));
        Assert.Contains("P95 > 50 ms for 10 s", view.Find(".sla").TextContent);
        Assert.Contains("bad", view.Find(".sla").ClassList);
    }

    [Theory]
    [InlineData(StormOutcome.Passed, "passed", "good")]
    [InlineData(StormOutcome.Failed, "violated", "bad")]
    [InlineData(StormOutcome.Inconclusive, "inconclusive", "inconclusive")]
    public void At_finish_the_banner_shows_the_final_verdict_in_its_own_colour(StormOutcome outcome, string status, string css)
    {
        // The last live second held the SLA; the verdict over the whole run is what the banner must show.
        var steady = Snapshot(60, StormPhase.Steady, p99: 20);
        var final = Snapshot(61, StormPhase.Finished, p99: 110.7);
        final.Outcome = outcome;
        final.Verdict = $"{status}: every cause listed here";

        var view = Render<LiveView>(p => p.Add(v => v.Plan, Plan).Add(v => v.Snapshots, [steady, final]));

        Assert.Equal(status, Text(view, "sla-status"));
        Assert.Equal($"{status}: every cause listed here", Text(view, "sla-text")); // the verdict with its causes
        Assert.Contains(css, view.Find("[data-testid=sla-banner]").ClassList);
    }

    [Fact]
    public void Alerts_raised_during_the_run_stay_listed_after_it_ends()
    {
        var final = Snapshot(61, StormPhase.Finished, p99: 30);
        final.Outcome = StormOutcome.Failed;
        final.Alerts.Add("P99 > 100 ms for 12 s (t = 31–43 s)");
        final.Alerts.Add("P95 > 50 ms for 10 s (t = 50–60 s)");

        var view = Render<LiveView>(p => p.Add(v => v.Plan, Plan).Add(v => v.Snapshots, [final]));

        var alerts = view.FindAll("[data-testid=alerts] li").Select(li => li.TextContent).ToList();
        Assert.Equal(["P99 > 100 ms for 12 s (t = 31–43 s)", "P95 > 50 ms for 10 s (t = 50–60 s)"], alerts);
    }

    [Fact]
    public void Traced_spikes_link_to_their_trace_in_the_aspire_dashboard()
    {
        var quiet = Snapshot(10, StormPhase.Steady, p99: 9);
        quiet.WorstTraceId = "0af7651916cd43dd8448eb211c80319c";
        quiet.WorstSampledMs = 9;
        var spike = Snapshot(11, StormPhase.Steady, p99: 140);
        spike.WorstTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        spike.WorstSampledMs = 133;

        var view = Render<LiveView>(p => p.Add(v => v.Plan, Plan).Add(v => v.Snapshots, [quiet, spike]).Add(v => v.AspireUrl, "http://localhost:15000/"));

        var links = view.FindAll("[data-testid=trace-link]");
        Assert.Equal("http://localhost:15000/traces/detail/4bf92f3577b34da6a3ce929d0e0e4736", links[0].GetAttribute("href")); // the slowest first
        Assert.Equal(2, links.Count);
        Assert.Equal(2, view.FindAll("a.marker-link circle.marker").Count); // and on the latency chart
    }

    [Fact]
    public void Without_an_aspire_url_trace_ids_show_without_links()
    {
        var spike = Snapshot(11, StormPhase.Steady, p99: 140);
        spike.WorstTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        spike.WorstSampledMs = 133;

        var view = Render<LiveView>(p => p.Add(v => v.Plan, Plan).Add(v => v.Snapshots, [spike]));

        Assert.Empty(view.FindAll("[data-testid=trace-link]"));
        Assert.Contains("4bf92f3577b3", Text(view, "worst-traces"));
    }

    [Fact]
    public void Charts_have_a_line_per_series_and_a_band_per_fault()
    {
        var snapshots = Enumerable.Range(1, 5).Select(t => Snapshot(t, StormPhase.Steady, p99: t)).ToList();

        var view = Render<LiveView>(p => p.Add(v => v.Plan, Plan).Add(v => v.Snapshots, snapshots));

        Assert.Equal(3 + 2 + 1, view.FindAll("polyline").Count);
        Assert.Equal(Plan.Faults.Count * 3, view.FindAll("rect.band").Count);
        Assert.Equal(5, view.FindAll("polyline")[0].GetAttribute("points")!.Split(' ').Length);
    }

    [Fact]
    public void Active_faults_and_gateways_are_listed_and_an_unreachable_gateway_says_why()
    {
        var snapshot = Snapshot(21, StormPhase.Steady, p99: 20);
        snapshot.ActiveFaults.Add("slow consumers: 10 × 5 s");
        IReadOnlyList<GatewayStatus> gateways =
        [
            new("gateway-1", new GatewayStats { ConnectionsNormal = 500, QueuedBytes = 2048, RedisConnected = true }, null),
            new("gateway-2", null, "Unavailable"),
        ];

        var view = Render<LiveView>(p => p.Add(v => v.Plan, Plan).Add(v => v.Snapshots, [snapshot]).Add(v => v.Gateways, gateways));

        Assert.Contains("slow consumers", Text(view, "active-faults"));
        var rows = view.FindAll("[data-testid=gateways] tbody tr");
        Assert.Contains("500", rows[0].TextContent);
        Assert.Contains("2.0 KB", rows[0].TextContent);
        Assert.Contains("unreachable: Unavailable", rows[1].TextContent);
    }

    private static string Text(IRenderedComponent<LiveView> view, string testId) => view.Find($"[data-testid={testId}]").TextContent.Trim();

    private static StormSnapshot Snapshot(double t, StormPhase phase, double p99, long lost = 0) => new()
    {
        Id = "s1",
        Phase = phase,
        ElapsedS = t,
        Connections = 1000,
        SendsPerS = 1000,
        DeliveriesPerS = 50_000,
        Window = new LatencySummary { Count = 50_000, P50Ms = 3, P95Ms = 7, P99Ms = p99, MaxMs = p99 * 2 },
        Cumulative = new LatencySummary { Count = 100_000, P50Ms = 3, P95Ms = 7, P99Ms = p99, MaxMs = p99 * 2 },
        Delivered = 100_000,
        Lost = lost,
    };
}
