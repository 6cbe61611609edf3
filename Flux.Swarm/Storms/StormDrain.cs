using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;
using Flux.Swarm.Runs;
using Flux.Swarm.Users;

namespace Flux.Swarm.Storms;

/// <summary>
/// The end of a run's sending: in-flight messages and resumes settle before anything is counted, so a backlog is measured
/// as late, not counted as lost. Settled means every user that ever joined is connected again and has every seq its
/// guild reached, and deliveries have stopped changing. It gives up after <see cref="Timeout"/> without a delivery, or
/// <see cref="Cap"/> in all; <see cref="Note"/> says how it ended, for the report.
/// </summary>
internal sealed class StormDrain(StormContext storm, IReadOnlyList<SimulatedUser> users, bool distributed)
{
    /// <summary>How long the drain waits with no delivery arriving before it counts what is still missing.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The longest the drain waits in all while deliveries still arrive: a backlog (gateways or Redis behind after an
    /// overload) is let in before anything is counted, so a late delivery is measured as late, not counted as lost.
    /// </summary>
    public static readonly TimeSpan Cap = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>How the drain ended: settled, or given up (and why); in the report's notes.</summary>
    public string Note { get; private set; } = "the run did not drain";

    /// <summary>Waits until the run has settled, or the drain gives up.</summary>
    public async Task SettleAsync()
    {
        var time = storm.Time;
        long started = time.GetTimestamp();
        long lastDeliveryAt = started;
        long lastDelivered = -1;
        // A peer keeps order only per sender, so a user holding the guild's top ordinal may still miss an earlier one in
        // flight: it is settled when nothing below the top is missing, and deliveries stood still for 1 s.
        // So is a shard of a distributed storm: the guild's top it knows may not be the top another shard's users saw.
        bool peer = storm.Plan.Target != TargetKind.Flux;
        int stillNeeded = peer || distributed ? 4 : 1, still = 0;
        while (time.GetElapsedTime(started) < Cap && time.GetElapsedTime(lastDeliveryAt) < Timeout)
        {
            await Task.Delay(Poll, time).ConfigureAwait(false);
            long delivered = users.Sum(u => u.Receipts.Arrivals);
            still = delivered == lastDelivered ? still + 1 : 0;
            if (still == 0) lastDeliveryAt = time.GetTimestamp();
            if (still >= stillNeeded && users.All(u => u.Receipts.Tracker is null || (u.IsReady && u.Receipts.CaughtUp(peer))))
            {
                Note = $"the drain settled in {time.GetElapsedTime(started).TotalSeconds:0.0} s";
                return;
            }
            lastDelivered = delivered;
        }
        var elapsed = time.GetElapsedTime(started);
        Note = elapsed >= Cap
            ? $"the drain stopped at its cap of {Cap.TotalSeconds:0} s with deliveries still arriving; what had not arrived by then is counted"
            : $"the drain stopped after {Timeout.TotalSeconds:0} s without a delivery ({elapsed.TotalSeconds:0.0} s in all); what had not arrived by then is counted";
    }

    /// <summary>
    /// After the drain every user that ever joined should be connected again and caught up; the verdict fails on any that
    /// is not. Counted before the users are closed at the end of the run.
    /// </summary>
    public void CountUsersNotBack()
    {
        foreach (var user in users)
        {
            if (user.Receipts.Tracker is { } tracker && (!user.IsReady || tracker.Highest < user.Receipts.EpochMax!.Value))
            {
                storm.Effects.Add(user.PickedBy, Effect.UsersNotBack);
                // Connected but behind after the drain settled is not "away": what it misses stays lost.
                user.AwayAtEnd = !user.IsReady;
            }
        }
    }
}
