using System.Diagnostics.Metrics;
using Flux.Protocol.Storms;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;
using Flux.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flux.Swarm.Tests.Unit;

/// <summary>Which fault an effect belongs to: a fault is active from its start to its end plus the recovery grace.</summary>
public sealed class FaultTimelineTests
{
    private const double Grace = Flux.Protocol.Storms.Faults.FaultKindBase.DefaultRecoveryGraceSeconds;

    private static readonly FaultSpec Slow = new(FaultKind.SlowConsumers, At: 4, Duration: 2, Clients: 2);
    private static readonly FaultSpec Cut = new(FaultKind.Partition, At: 20, Duration: 3, Clients: 5);
    private static readonly FaultSpec Drain = new(FaultKind.Drain, At: 40, Duration: 0);

    [Theory]
    [InlineData(0, -1)]
    [InlineData(3.99, -1)]
    [InlineData(4, 0)]
    [InlineData(6, 0)]
    [InlineData(6 + Grace, 0)]          // recovering: effects still belong to the fault
    [InlineData(6 + Grace + 0.01, -1)]
    [InlineData(20, 1)]
    [InlineData(23 + Grace, 1)]
    [InlineData(28.5, -1)]
    [InlineData(40, 2)]
    [InlineData(40 + Grace, 2)]         // a drain has no duration, only the grace
    [InlineData(45.5, -1)]
    public void ActiveAt_covers_each_fault_and_its_recovery_grace(double second, int expected)
    {
        var timeline = new FaultTimeline([Slow, Cut, Drain]);

        Assert.Equal(expected, timeline.ActiveAt(second));
    }

    [Fact]
    public void Where_faults_overlap_the_later_one_is_active()
    {
        var early = new FaultSpec(FaultKind.SlowConsumers, At: 4, Duration: 2, Clients: 2);
        var late = new FaultSpec(FaultKind.Partition, At: 6, Duration: 2, Clients: 5);
        var timeline = new FaultTimeline([early, late]);

        Assert.Equal(0, timeline.ActiveAt(5.9));
        Assert.Equal(1, timeline.ActiveAt(6));       // the slow consumers are still in their grace
        Assert.Equal(1, timeline.ActiveAt(8 + Grace));
        Assert.Equal(-1, timeline.ActiveAt(8 + Grace + 0.1));
    }

    [Fact]
    public void A_fault_explains_only_the_users_in_its_scope()
    {
        var slow = new FaultSpec(FaultKind.SlowConsumers, At: 10, Duration: 5, Clients: 2);
        var kill = new FaultSpec(FaultKind.KillGateway, At: 10, Duration: 5, Gateway: 0);
        var fuzz = new FaultSpec(FaultKind.Fuzz, At: 10, Duration: 5, Clients: 5);
        var timeline = new FaultTimeline([slow, kill, fuzz]);

        Assert.Equal(0, timeline.Explaining(pickedBy: 0, second: 12, gateway: 1));   // its own picked user
        Assert.Equal(1, timeline.Explaining(pickedBy: -1, second: 12, gateway: 0));  // a user of the killed gateway
        Assert.Equal(-1, timeline.Explaining(pickedBy: -1, second: 12, gateway: 1)); // the other gateway's: nobody's
        Assert.Equal(1, timeline.Explaining(pickedBy: -1, second: 12, gateway: -1)); // gateway unknown (a seq that never came)
        Assert.Equal(-1, timeline.Explaining(pickedBy: -1, second: 30, gateway: 0)); // after every window
    }

    [Fact]
    public void A_user_picked_by_a_fault_is_judged_by_the_others_once_its_window_is_over()
    {
        var slow = new FaultSpec(FaultKind.SlowConsumers, At: 10, Duration: 5, Clients: 2);
        var redis = new FaultSpec(FaultKind.RestartRedis, At: 30, Duration: 5);
        var timeline = new FaultTimeline([slow, redis]);

        Assert.Equal(1, timeline.Explaining(pickedBy: 0, second: 31, gateway: 0));
    }

    [Fact]
    public void ActiveAt_is_minus_one_without_faults()
    {
        Assert.Equal(-1, new FaultTimeline([]).ActiveAt(10));
    }

    [Fact]
    public void ActiveDescriptions_lists_faults_while_they_run_without_the_grace()
    {
        var timeline = new FaultTimeline([Slow, Cut, Drain]);

        Assert.Empty(timeline.ActiveDescriptions(3.5));
        Assert.Equal(["slow consumers: 2 × 2 s"], timeline.ActiveDescriptions(4));
        Assert.Equal(["slow consumers: 2 × 2 s"], timeline.ActiveDescriptions(5.99));
        Assert.Empty(timeline.ActiveDescriptions(6));  // ended; the grace is for accounting, not for display
        Assert.Equal(["partition: 5 × 3 s"], timeline.ActiveDescriptions(22));
        Assert.Equal(["drain: all gateways"], timeline.ActiveDescriptions(40.5)); // shown for a second
        Assert.Empty(timeline.ActiveDescriptions(41));
    }

    [Fact]
    public void ActiveDescriptions_lists_every_overlapping_fault()
    {
        var gc = new FaultSpec(FaultKind.GcPressure, At: 5, Duration: 4, MegabytesPerSecond: 200, Gateway: 1);
        var timeline = new FaultTimeline([Slow, gc]);

        Assert.Equal(["slow consumers: 2 × 2 s", "gc pressure: 200 MB/s × 4 s on gateway 1"], timeline.ActiveDescriptions(5.5));
    }

    [Fact]
    public void NameOf_numbers_faults_from_one()
    {
        var timeline = new FaultTimeline([Slow, Cut]);

        Assert.Equal("none", timeline.NameOf(-1));
        Assert.Equal("2: partition: 5 × 3 s", timeline.NameOf(1));
    }

    [Fact]
    public void A_user_picked_by_a_fault_is_excused_by_it_only_while_it_lasts_and_its_users_recover()
    {
        var drain = new FaultSpec(FaultKind.Drain, At: 40, Duration: 5, Gateway: 1);
        var storm = new StormContext("s1", new StormPlan { Users = 10, Guilds = 1, Faults = [Slow, drain] }, [], TestKeys.Issuer,
            new SwarmMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()),
            NullLogger.Instance, seed: 1);

        Assert.Equal(0, storm.FaultFor(pickedBy: 0, second: Slow.At + 1));
        Assert.Equal(0, storm.FaultFor(pickedBy: 0, second: Slow.At + Slow.Duration + Flux.Protocol.Storms.Faults.FaultKindBase.DefaultRecoveryGraceSeconds));
        Assert.Equal(-1, storm.FaultFor(pickedBy: 0, second: 30)); // long after: nothing excuses it
        Assert.Equal(1, storm.FaultFor(pickedBy: 0, second: 41)); // a later drain's close is the drain's
    }

    [Fact]
    public void A_surge_covers_its_longer_recovery_while_shedding_steps_down_and_shed_users_come_back()
    {
        var surge = new FaultSpec(FaultKind.Surge, At: 30, Duration: 10, Factor: 3);
        var timeline = new FaultTimeline([Slow, surge]);

        Assert.False(timeline.InSurge(29.9));
        Assert.True(timeline.InSurge(30));
        Assert.True(timeline.InSurge(40 + Flux.Protocol.Storms.Faults.Kinds.SurgeFault.SurgeRecoveryGraceSeconds));
        Assert.False(timeline.InSurge(40 + Flux.Protocol.Storms.Faults.Kinds.SurgeFault.SurgeRecoveryGraceSeconds + 0.1));
        Assert.Equal(1, timeline.ActiveAt(55));
        Assert.False(timeline.InSurge(Slow.At + 1)); // other faults are not surges
    }
}
