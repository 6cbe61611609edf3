using System.Diagnostics;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Users;

/// <summary>
/// One thread drives every send of the run: an open-model Poisson process at the plan's aggregate rate. Each
/// arrival picks a user at random; a user that is not connected (still ramping, or cut off) skips its turn, so
/// each user is its own Poisson process at rate/users. During a surge the rate follows
/// <see cref="Flux.Protocol.Storms.StormPlan.RateFactorAt"/>: each gap is drawn at the rate of the moment it starts
/// (the factor changes over seconds, gaps last milliseconds). The thread also ticks the heartbeat wheel.
/// Latency is measured from the intended time of each arrival, so if this thread falls behind, the lag shows
/// in the latencies (and in the generator report) instead of being hidden.
/// </summary>
internal sealed class SendScheduler(StormContext storm, IReadOnlyList<SimulatedUser> users, HeartbeatWheel heartbeats)
{
    private readonly Random _random = new(storm.Seed + storm.Shard.Index * 7919);
    private volatile bool _stop;
    private double _next = -1;
    private Thread? _thread;

    /// <summary>What the report should note of the scheduler: empty, or why its thread could not be raised.</summary>
    public IReadOnlyList<string> Notes { get; private set; } = [];

    /// <summary>When sending ends, in run time.</summary>
    public long EndMicroseconds { get; set; } = (long)(storm.Plan.TotalSeconds * 1e6);

    public void Start()
    {
        // Thread.Priority is ignored on Linux: SchedulerPriority raises it there.
        _thread = new Thread(Run) { IsBackground = true, Name = "flux-swarm-scheduler", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>Stops sending (heartbeats stop too) and waits for the thread.</summary>
    public void Stop()
    {
        _stop = true;
        _thread?.Join();
    }

    private void Run()
    {
        // The thread inherits the storm's span as its ambient activity; sampled messages start traces of their own
        // (linked to the storm), not thousands of spans inside the storm's trace.
        System.Diagnostics.Activity.Current = null;
        if (SchedulerPriority.TryRaiseCurrentThread().Note is { } note) Notes = [note];
        var lateness = storm.Generator.Sender;
        long gcPaused = GcPauseMicroseconds();
        while (!_stop && !storm.Stopping.IsCancellationRequested)
        {
            long tickStart = storm.Clock.NowMicroseconds;
            Tick(tickStart);
            long tickEnd = storm.Clock.NowMicroseconds;
            long gcAfterTick = GcPauseMicroseconds();
            lateness.Ticked(tickEnd - tickStart, gcAfterTick - gcPaused);
            // Sleep(1) wakes about a millisecond later; that lateness is measured as send lag, never hidden, and what
            // made it late is told apart (SenderLateness).
            Thread.Sleep(1);
            gcPaused = GcPauseMicroseconds();
            lateness.Woke(storm.Clock.NowMicroseconds - tickEnd - 1_000, gcPaused - gcAfterTick);
        }
    }

    /// <summary>Fires the heartbeats due by <paramref name="nowUs"/> and sends every arrival intended by then (the thread calls it every millisecond).</summary>
    internal void Tick(long nowUs)
    {
        heartbeats.Advance(nowUs / 1000, static user => user.SendHeartbeat());
        if (_next < 0) _next = NextGap(0);
        while (_next <= nowUs && _next < EndMicroseconds)
        {
            SendOne((long)_next);
            _next += NextGap(_next);
        }
    }

    private static long GcPauseMicroseconds() => GC.GetTotalPauseDuration().Ticks / 10;

    // Each user is a Poisson process at rate/users, so a shard of a distributed storm sends at its users' share of the rate.
    private readonly double _rate = storm.Plan.Users > 0 ? storm.Plan.Rate * storm.Shard.ShareOf(storm.Plan.Users) / storm.Plan.Users : 0;

    private double NextGap(double atMicroseconds) =>
        PoissonSchedule.NextGapMicroseconds(_random, _rate * storm.Plan.RateFactorAt(atMicroseconds / 1e6));

    private void SendOne(long intendedUs)
    {
        var user = users[_random.Next(users.Count)];
        if (!user.IsReady)
        {
            Interlocked.Increment(ref storm.Counters.SkippedSends);
            return;
        }
        long id = storm.Ledger.Register(user.GuildIndex, user.Index, intendedUs);
        bool traced = id % SwarmActivities.TraceEvery == 0;
        if (!user.TrySend(id, intendedUs, traced))
        {
            storm.Ledger.MarkNotSent(id);
        }
        storm.Generator.RecordSendLag(Math.Max(0, storm.Clock.NowMicroseconds - intendedUs));
    }
}
