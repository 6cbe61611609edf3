using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Users;
using Flux.Swarm.Verdicts;

namespace Flux.Swarm.Storms;

/// <summary>
/// The final count, once the run has drained. Every user expected every seq of its guild after the seq it joined at;
/// whatever did not arrive, and was not announced (a 4007, a gap), is lost, and is tied to the fault that explains it.
/// A message no one ever received was lost by the system, unless its sender's connection was cut or dropped just
/// after it was written: then it may never have reached a gateway, and it is counted as unconfirmed instead.
/// The verdict then judges every effect against its fault's allowance.
/// <para>
/// A peer target (SignalR, Socket.IO) has no seqs: its users track their guild's ordinals (see
/// <see cref="DeliveryLedger"/>), and the same count applies to them, by nonce.
/// </para>
/// </summary>
internal static class StormAccounting
{
    /// <summary>A send this close before its sender's connection was cut or dropped may have died in the socket.</summary>
    private const long CutWindowMicroseconds = 1_000_000;

    public static StormReport Build(StormRun run, IReadOnlyList<SimulatedUser> users, double steadySeconds, FaultInjector injector)
    {
        var storm = run.Context;
        var plan = storm.Plan;
        var effects = storm.Effects;
        var intendedBySeq = IntendedTimes(storm);
        bool peer = plan.Target != TargetKind.Flux;

        long expected = 0, delivered = 0, duplicates = 0, reordered = 0;
        foreach (var user in users)
        {
            delivered += user.Delivered;
            duplicates += user.Duplicates;
            reordered += user.Reordered;
            // Epochs Redis lost while the user was in them: what it missed there it was told of, by 4007.
            foreach (var past in user.PastEpochs)
            {
                long pastTop = past.Max.Value;
                expected += Math.Max(0, pastTop - past.Tracker.Base) + past.Tracker.MissedBeforeRebase;
                effects.Add(past.Fault, Effect.AnnouncedLoss, past.Tracker.MissingUpTo(pastTop));
            }
            if (user.Tracker is not { } tracker) continue; // never connected: it expected nothing
            long top = user.EpochMax!.Value;
            expected += Math.Max(0, top - tracker.Base) + tracker.MissedBeforeRebase;
            foreach (long seq in tracker.MissingSeqs(top))
            {
                bool anyoneGotIt = intendedBySeq.TryGetValue((user.GuildIndex, seq), out long us);
                if (peer && !anyoneGotIt)
                {
                    // A peer's ordinal nobody received: refused or never sent (not owed), or lost for everyone, which
                    // the ledger below counts once for every member. Not counted here too.
                    expected--;
                    continue;
                }
                double at = anyoneGotIt ? us / 1e6 : storm.Clock.NowSeconds;
                // Above what a user still away at the end had received, it is owed, not lost: it never had the chance to
                // come. A user connected but behind after the drain settled keeps it as lost (a gateway that skipped it).
                var effect = user.AwayAtEnd && seq > tracker.Highest ? Effect.OwedToUsersNotBack : Effect.Lost;
                effects.Add(storm.FaultFor(user.PickedBy, at), effect);
            }
        }

        long unconfirmed = 0, neverReceived = 0;
        var senders = users.ToDictionary(u => u.Index);
        for (long id = 0; id < storm.Ledger.Count; id++)
        {
            var message = storm.Ledger[id];
            if (message.Seq != 0 || message.NotSent != 0) continue;
            long intended = message.IntendedMicroseconds;
            var sender = senders[message.Sender];
            int fault = storm.FaultFor(sender.PickedBy, intended / 1e6);
            // Judged against the fault that ended the connection: a limit breach, a kill, a partition...
            if (sender.Cuts.FirstOrDefault(cut => intended >= cut.AtMicroseconds - CutWindowMicroseconds && intended <= cut.AtMicroseconds) is { AtMicroseconds: > 0 } end)
            {
                unconfirmed++;
                effects.Add(end.Fault, Effect.UnconfirmedSends);
                continue;
            }
            int recipients = storm.Layout.GuildSizes[message.Guild];
            expected += recipients;
            neverReceived += recipients;
            effects.Add(fault, Effect.Lost, recipients);
        }
        long lost = effects.Total(Effect.Lost);
        storm.Metrics.Lost(lost);

        var healthy = storm.Latency[(int)Cohort.Healthy].Cumulative;
        var judged = storm.Judged.Cumulative;
        var sla = run.Sla;
        bool slaPassed = sla.Violations.Count == 0 && judged.P95Ms <= plan.Sla.P95Ms && judged.P99Ms <= plan.Sla.P99Ms;
        var generator = storm.Generator.Report();
        var verdict = VerdictJudge.Judge(new VerdictInput(plan, injector.Allowances, effects, storm.LimitBreachFault,
            slaPassed ? null : SlaBreach(sla, judged, plan.Sla), injector.NotInjected, generator.Saturated ? generator.Reason : null));

        var counters = storm.Counters;
        var steadyRows = run.Timeline.Where(r => r.Phase == "steady").ToList();
        long sent = Interlocked.Read(ref counters.Sent);
        double sendingSeconds = Math.Max(1, plan.Ramp + steadySeconds);

        return new StormReport
        {
            RunId = run.Id,
            Scenario = plan.Scenario,
            Target = plan.Target.ToWire(),
            Guarantees = plan.Target.Guarantees(),
            Users = plan.Users,
            Guilds = plan.Guilds,
            Rate = plan.Rate,
            RampS = plan.Ramp,
            DurationS = Math.Round(steadySeconds, 1),
            Sent = sent,
            ExpectedDeliveries = expected,
            Delivered = delivered,
            Lost = lost,
            Duplicates = duplicates,
            Reordered = reordered,
            UnexpectedDisconnects = verdict.UnexpectedCloses,
            InjectedDisconnects = verdict.ExpectedCloses,
            LatencyMs = Block(healthy),
            Throughput = steadyRows.Count > 0
                ? new ThroughputBlock(steadyRows.Average(r => r.SendsPerS), steadyRows.Average(r => r.DeliveriesPerS))
                : new ThroughputBlock(sent / sendingSeconds, delivered / sendingSeconds),
            Sla = new SlaBlock(plan.Sla.P95Ms, plan.Sla.P99Ms, plan.Sla.Window, judged.P95Ms, judged.P99Ms, slaPassed,
                sla.Violations.Select(v => new SlaViolationBlock(v.FromS, v.ToS, v.WorstP95Ms, v.WorstP99Ms, v.Description)).ToList()),
            Generator = new GeneratorBlock(generator.MaxLagMs, generator.LagP99Ms, generator.GcPauseMs, generator.CpuPct,
                generator.MaxThreadPoolQueue, generator.Saturated, generator.Reason),
            Cohorts = Cohorts(storm, users),
            Tiers = Tiers(storm, users),
            Faults = [.. verdict.Faults],
            OutsideFaults = verdict.Outside,
            Details = new DetailsBlock(
                Interlocked.Read(ref counters.NotSent), Interlocked.Read(ref counters.Rejected), unconfirmed,
                Interlocked.Read(ref counters.SkippedSends), Interlocked.Read(ref counters.ConnectFailures),
                Interlocked.Read(ref counters.Resumes), Interlocked.Read(ref counters.SessionsLost),
                Interlocked.Read(ref counters.GapsReported), Interlocked.Read(ref counters.ShedDisconnects),
                Interlocked.Read(ref counters.ForeignMessages), effects.Total(Effect.AnnouncedLoss), neverReceived),
            Timeline = [.. run.Timeline],
            Gateways = storm.Gateways.Select(g => g.WebSocket.ToString()).ToList(),
            Notes = [.. injector.NotInjected, run.DrainNote],
            StartedAt = run.StartedAt.ToString("O"),
            FinishedAt = DateTimeOffset.UtcNow.ToString("O"),
            Stopped = run.StopRequested && steadySeconds + 0.5 < plan.Duration,
            Outcome = verdict.Outcome,
            Passed = verdict.Passed,
            Verdict = verdict.Text,
            Causes = [.. verdict.Causes],
        };
    }

    private static string SlaBreach(SlaMonitor sla, LatencyStats healthy, Flux.Protocol.Storms.SlaSpec limits) =>
        sla.Violations.Count > 0
            ? $"SLA violated: {string.Join("; ", sla.Violations.Select(v => v.Description))}"
            : $"SLA violated: p95 {healthy.P95Ms:0.#} ms / p99 {healthy.P99Ms:0.#} ms over limits {limits.P95Ms:0.#} / {limits.P99Ms:0.#} ms";

    private static Dictionary<(int Guild, long Seq), long> IntendedTimes(StormContext storm)
    {
        var times = new Dictionary<(int, long), long>((int)Math.Min(storm.Ledger.Count, int.MaxValue / 2));
        for (long id = 0; id < storm.Ledger.Count; id++)
        {
            ref readonly var message = ref storm.Ledger[id];
            if (message.Seq != 0) times[(message.Guild, message.Seq)] = message.IntendedMicroseconds;
        }
        return times;
    }

    private static Dictionary<string, CohortBlock> Cohorts(StormContext storm, IReadOnlyList<SimulatedUser> users)
    {
        var cohorts = new Dictionary<string, CohortBlock>();
        foreach (var cohort in new[] { Cohort.SlowConsumers, Cohort.Partitioned, Cohort.Shed })
        {
            int members = users.Count(u => u.Cohort == cohort);
            if (members == 0) continue;
            // Deliveries since the fault picked them: those before were healthy ones, counted in the healthy block.
            var latency = storm.Latency[(int)cohort].Cumulative;
            cohorts[cohort.ToReportName()] = new CohortBlock(members, latency.Count, Block(latency));
        }
        return cohorts;
    }

    private static Dictionary<string, TierBlock> Tiers(StormContext storm, IReadOnlyList<SimulatedUser> users)
    {
        bool surge = storm.Plan.Faults.Any(f => f.Kind == FaultKind.Surge);
        var tiers = new Dictionary<string, TierBlock>();
        foreach (var tier in new[] { Tier.High, Tier.Normal, Tier.Low })
        {
            int members = users.Count(u => u.Tier == tier);
            if (members == 0) continue;
            tiers[tier.ToWire()] = new TierBlock(members, users.Count(u => u.Tier == tier && u.Cohort == Cohort.Shed),
                Interlocked.Read(ref storm.Counters.ShedByTier[(int)tier]), Block(storm.TierLatency[(int)tier].Cumulative),
                surge ? Block(storm.TierSurgeLatency[(int)tier].Cumulative) : null);
        }
        return tiers;
    }

    private static LatencyBlock Block(LatencyStats s) => new(s.P50Ms, s.P95Ms, s.P99Ms, s.P999Ms, s.MaxMs, s.Count);
}
