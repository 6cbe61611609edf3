using Flux.Protocol.Storms;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// The SLA judged second by second: a breach must last the whole window to alert, and becomes a violation with
/// its time range when it ends. Observe(t) judges the second that ends at t.
/// </summary>
public sealed class SlaMonitorTests
{
    private static readonly SlaSpec Sla = new(P95Ms: 50, P99Ms: 100, Window: 10);
    private static readonly LatencyStats Healthy = new(500, P50Ms: 4, P95Ms: 12, P99Ms: 20, P999Ms: 30, MaxMs: 35);
    private static readonly LatencyStats SlowP95 = new(500, P50Ms: 30, P95Ms: 80, P99Ms: 90, P999Ms: 95, MaxMs: 99);
    private static readonly LatencyStats SlowP99 = new(500, P50Ms: 10, P95Ms: 40, P99Ms: 150, P999Ms: 180, MaxMs: 200);

    [Fact]
    public void Seconds_with_deliveries_and_no_latency_are_a_breach_and_say_so()
    {
        var monitor = new SlaMonitor(new SlaSpec(50, 100, 3));

        for (int second = 1; second <= 4; second++) monitor.Observe(second, LatencyStats.Empty, untimed: true);
        monitor.Finish();

        var violation = Assert.Single(monitor.Violations);
        Assert.StartsWith("deliveries without latency for 4 s", violation.Description);
    }

    [Fact]
    public void A_breach_shorter_than_the_window_raises_nothing()
    {
        var monitor = new SlaMonitor(Sla);
        var alerts = new List<bool>();
        for (int t = 1; t <= 3; t++) alerts.Add(monitor.Observe(t, Healthy));
        for (int t = 4; t <= 12; t++) alerts.Add(monitor.Observe(t, SlowP95)); // nine seconds
        alerts.Add(monitor.Observe(13, Healthy));
        monitor.Finish();

        Assert.DoesNotContain(true, alerts);
        Assert.False(monitor.Alerting);
        Assert.False(monitor.EverViolated);
        Assert.Empty(monitor.Violations);
        Assert.Equal("", monitor.Message);
    }

    [Fact]
    public void A_breach_lasting_the_window_raises_exactly_one_alert_naming_the_metric_and_duration()
    {
        var monitor = new SlaMonitor(Sla);
        for (int t = 1; t <= 5; t++) Assert.False(monitor.Observe(t, Healthy));

        var raisedAt = new List<int>();
        for (int t = 6; t <= 20; t++)
        {
            if (monitor.Observe(t, SlowP95)) raisedAt.Add(t);
        }

        Assert.Equal([15], raisedAt); // the tenth breaching second (5–15 s), and only then
        Assert.True(monitor.Alerting);
        Assert.True(monitor.EverViolated);
        Assert.Empty(monitor.Violations); // still going
        Assert.Contains("P95 > 50 ms", monitor.Message);
        Assert.Contains("for 15 s", monitor.Message); // the message follows the breach while it lasts
    }

    [Fact]
    public void When_the_breach_ends_it_becomes_a_violation_with_its_time_range()
    {
        var monitor = new SlaMonitor(Sla);
        for (int t = 1; t <= 5; t++) monitor.Observe(t, Healthy);
        for (int t = 6; t <= 20; t++) monitor.Observe(t, t == 9 ? SlowP95 with { P95Ms = 120 } : SlowP95);

        Assert.False(monitor.Observe(21, Healthy));

        var violation = Assert.Single(monitor.Violations);
        // Breaching seconds were those ending at 6..20, so the breach ran from t = 5 to t = 20: 15 s.
        Assert.Equal((5.0, 20.0), (violation.FromS, violation.ToS));
        Assert.Equal((120.0, 90.0), (violation.WorstP95Ms, violation.WorstP99Ms));
        Assert.Contains("P95 > 50 ms for 15 s", violation.Description);
        Assert.False(monitor.Alerting);
        Assert.True(monitor.EverViolated);
    }

    [Fact]
    public void A_p99_breach_is_named_as_such()
    {
        var monitor = new SlaMonitor(Sla);
        bool raised = false;
        for (int t = 1; t <= 10; t++) raised |= monitor.Observe(t, SlowP99);

        Assert.True(raised);
        Assert.Contains("P99 > 100 ms", monitor.Message);
        Assert.DoesNotContain("P95", monitor.Message.Split('(')[0]);
    }

    [Fact]
    public void Finish_closes_a_breach_still_open_when_the_run_ends()
    {
        var monitor = new SlaMonitor(Sla);
        for (int t = 1; t <= 12; t++) monitor.Observe(t, SlowP99);
        Assert.Empty(monitor.Violations);

        monitor.Finish();

        var violation = Assert.Single(monitor.Violations);
        Assert.Equal((0.0, 12.0), (violation.FromS, violation.ToS));
        Assert.Contains("P99 > 100 ms for 12 s", violation.Description);
        Assert.False(monitor.Alerting);
    }

    [Fact]
    public void Two_breaches_give_two_alerts_and_two_violations()
    {
        var monitor = new SlaMonitor(Sla);
        int alerts = 0;
        for (int t = 1; t <= 10; t++) alerts += monitor.Observe(t, SlowP95) ? 1 : 0;
        alerts += monitor.Observe(11, Healthy) ? 1 : 0;
        for (int t = 12; t <= 23; t++) alerts += monitor.Observe(t, SlowP99) ? 1 : 0;
        monitor.Finish();

        Assert.Equal(2, alerts);
        Assert.Equal([(0.0, 10.0), (11.0, 23.0)], monitor.Violations.Select(v => (v.FromS, v.ToS)));
    }
}
