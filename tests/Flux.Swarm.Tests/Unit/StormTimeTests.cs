using Flux.Protocol.Storms;
using Flux.Protocol.Wire;
using Flux.Swarm.Faults;
using Flux.Swarm.Storms;
using Flux.Swarm.Users;
using Microsoft.Extensions.Time.Testing;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// The swarm's timing on a fake clock: the send schedule, the drain's give-up rules and the faults' start, without a
/// socket or a real second passing. Users of a detached storm never connect, so every arrival finds its user not ready.
/// </summary>
public sealed class StormTimeTests
{
    private const long Second = 1_000_000;

    [Fact]
    public void The_schedule_sends_the_planned_rate_as_Poisson_arrivals_and_stops_at_the_end()
    {
        var time = new FakeTimeProvider();
        using var storm = new DetachedStorm(100, new StormPlan { Users = 100, Guilds = 1, Rate = 1_000, Ramp = 0, Duration = 10 }, time);
        var scheduler = new SendScheduler(storm.Context, storm.Users, storm.Heartbeats);

        for (long t = 0; t <= 10 * Second; t += Second / 10) scheduler.Tick(t);
        long arrivals = storm.Context.Counters.SkippedSends;
        scheduler.Tick(30 * Second);

        // 10,000 arrivals expected; a Poisson count's standard deviation is 100, so 5 of them either way.
        Assert.InRange(arrivals, 9_500, 10_500);
        Assert.Equal(arrivals, storm.Context.Counters.SkippedSends); // nothing after the end
        Assert.Equal(0, storm.Context.Ledger.Count); // no user was ready: nothing was registered as sent
    }

    [Fact]
    public void A_surge_raises_the_rate_as_its_factor_climbs_and_holds()
    {
        var time = new FakeTimeProvider();
        var plan = new StormPlan
        {
            Users = 100, Guilds = 1, Rate = 1_000, Ramp = 0, Duration = 20,
            Faults = [new FaultSpec(FaultKind.Surge, At: 0, Duration: 10, Factor: 3)],
        };
        using var storm = new DetachedStorm(100, plan, time);
        var scheduler = new SendScheduler(storm.Context, storm.Users, storm.Heartbeats);

        for (long t = 0; t <= 10 * Second; t += Second / 10) scheduler.Tick(t);
        long surge = storm.Context.Counters.SkippedSends;
        for (long t = 10 * Second; t <= 20 * Second; t += Second / 10) scheduler.Tick(t);
        long after = storm.Context.Counters.SkippedSends - surge;

        // Climbing from ×1 to ×3 over 5 s (×2 on average), then ×3 for 5 s: 25,000 arrivals (σ 158); then 10,000 (σ 100).
        Assert.InRange(surge, 24_200, 25_800);
        Assert.InRange(after, 9_500, 10_500);
    }

    [Fact]
    public async Task The_drain_gives_up_after_20_s_without_a_delivery()
    {
        var time = new FakeTimeProvider();
        using var storm = new DetachedStorm(2, time: time);
        var behind = storm.Users[0].Receipts;
        behind.Joined("e1", 0, fault: -1);
        storm.Context.Epochs.For(0, "e1").Observe(5); // the guild reached seq 5; this user has none of it
        var drain = new StormDrain(storm.Context, storm.Users, distributed: false);

        var settling = drain.SettleAsync();
        await AdvanceUntilAsync(time, settling, TimeSpan.FromMinutes(5));

        Assert.StartsWith("the drain stopped after 20 s without a delivery", drain.Note);
    }

    [Fact]
    public async Task The_drain_stops_at_its_cap_while_deliveries_still_arrive()
    {
        var time = new FakeTimeProvider();
        using var storm = new DetachedStorm(2, time: time);
        var behind = storm.Users[0].Receipts;
        behind.Joined("e1", 0, fault: -1);
        storm.Context.Epochs.For(0, "e1").Observe(1_000_000);
        var drain = new StormDrain(storm.Context, storm.Users, distributed: false);

        var settling = drain.SettleAsync();
        long seq = 0;
        await AdvanceUntilAsync(time, settling, TimeSpan.FromMinutes(5), () => behind.Message(new MessageView { Seq = ++seq }));

        Assert.StartsWith("the drain stopped at its cap of 120 s", drain.Note);
        Assert.InRange(seq, 4 * 110, 4 * 130); // four polls a second for about two minutes
    }

    [Fact]
    public async Task A_fault_opens_its_window_at_its_time_not_before()
    {
        var time = new FakeTimeProvider();
        var plan = new StormPlan { Users = 2, Guilds = 1, Ramp = 0, Duration = 30, Faults = [new FaultSpec(FaultKind.GcPressure, At: 5, Duration: 2, MegabytesPerSecond: 10)] };
        using var storm = new DetachedStorm(2, plan, time);
        var injector = new FaultInjector(storm.Context, storm.Users);
        using var stop = new CancellationTokenSource();

        var running = injector.RunAsync(stop.Token);
        for (int i = 0; i < 49; i++) time.Advance(TimeSpan.FromMilliseconds(100)); // 4.9 s
        await Task.Delay(50);
        Assert.Empty(injector.NotInjected);

        time.Advance(TimeSpan.FromMilliseconds(200));
        // The detached storm's gateway has no admin endpoint: the fault could not be carried out, and says so once its time came.
        await WaitAsync(() => injector.NotInjected.Count > 0, TimeSpan.FromSeconds(10));
        Assert.Contains("has no admin endpoint", Assert.Single(injector.NotInjected));
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    // Moves the fake clock a poll at a time until the task ends (or the limit of fake time passes).
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Task task, TimeSpan limit, Action? eachStep = null)
    {
        var step = TimeSpan.FromMilliseconds(250);
        for (var passed = TimeSpan.Zero; passed < limit && !task.IsCompleted; passed += step)
        {
            eachStep?.Invoke();
            time.Advance(step);
            // The drain's continuation runs on the thread pool. A step it misses only makes its next poll see more fake
            // time pass, which neither rule the tests check depends on; the yield just keeps the two roughly in step.
            await Task.Delay(1);
        }
        await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the condition did not hold in time");
            await Task.Delay(10);
        }
    }
}
