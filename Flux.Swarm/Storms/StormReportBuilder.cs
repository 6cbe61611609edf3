using Flux.Protocol.Agents;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Distributed;
using Flux.Swarm.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Verdicts;

namespace Flux.Swarm.Storms;

/// <summary>
/// The report of a run, from every shard's tally (<see cref="StormAccounting.Tally"/>; the coordinator's own first, and
/// one for a storm on one process): counts and effects added up, histograms merged exactly, the sum judged by
/// <see cref="VerdictJudge"/>, and the run's timeline, notes and shards attached.
/// </summary>
internal sealed class StormReportBuilder(StormRun run, FaultInjector injector)
{
    /// <param name="steadySeconds">How long the steady phase lasted (it may have been stopped early).</param>
    /// <param name="drainNote">How this process's drain ended.</param>
    /// <param name="shards">Where each shard of a distributed storm ran (null for one process).</param>
    public StormReport Build(IReadOnlyList<ShardTally> tallies, double steadySeconds, string drainNote, IReadOnlyList<ShardPlacement>? shards)
    {
        var storm = run.Context;
        var plan = storm.Plan;
        var sum = TallySum.Of(tallies, plan.Faults.Count + 1);
        var effects = sum.Effects;
        long lost = effects.Total(Effect.Lost);
        storm.Metrics.Lost(lost);

        var healthy = LatencyHistogram.Summarize(sum.Latency[(int)Cohort.Healthy]);
        var judged = LatencyHistogram.Summarize(sum.Judged);
        var sla = run.Sla;
        bool slaPassed = sla.Violations.Count == 0 && judged.P95Ms <= plan.Sla.P95Ms && judged.P99Ms <= plan.Sla.P99Ms;
        var generator = sum.Generator;
        // Faults on shared parts are shard 0's (this process): its injector's allowances and notes stand for the storm.
        IReadOnlyList<string> notInjected = [.. injector.NotInjected, .. sum.NotInjected];
        // A surge in a plan without high-tier users is judged on every healthy user, or it would not be judged at all.
        bool surgeOnEveryone = plan.Faults.Any(f => f.Kind == FaultKind.Surge) && !storm.SurgeJudgesHighTier;
        string? slaBreach = slaPassed ? null
            : SlaBreach(sla, judged, plan.Sla) + (surgeOnEveryone ? " (judged on every healthy user, the surge included: the plan has no high-tier users)" : "");
        long timed = sum.Latency.Sum(h => h.TotalCount);
        List<string> unmeasured = sum.Delivered > 0 && timed == 0
            ? [$"{sum.Delivered:N0} deliveries and not one latency: nothing the target sent back carried the time it was sent, so the SLA cannot be judged"]
            : [];
        var verdict = VerdictJudge.Judge(new VerdictInput(plan, injector.Allowances, effects, storm.LimitBreachFault,
            slaBreach, notInjected, generator.Saturated ? generator.Reason : null, unmeasured));

        var steadyRows = run.Timeline.Where(r => r.Phase == "steady").ToList();
        long sent = sum.Counter(nameof(StormCounters.Sent));
        // Visitors' messages take seqs in the guilds, so the users expect them; they are counted apart, as foreign.
        long foreign = sum.Counter(nameof(StormCounters.VisitorDeliveries));
        var visitors = storm.Visitors;
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
            ExpectedDeliveries = sum.Expected - foreign,
            Delivered = sum.Delivered,
            Lost = lost,
            Duplicates = sum.Duplicates,
            Reordered = sum.Reordered,
            Corrupted = effects.Total(Effect.Corrupted),
            Foreign = foreign,
            Visitors = visitors.People == 0 ? null : new VisitorsBlock(visitors.People, visitors.Echoes, Block(visitors.RoundTrips)),
            UnexpectedDisconnects = verdict.UnexpectedCloses,
            InjectedDisconnects = verdict.ExpectedCloses,
            LatencyMs = Block(healthy),
            Throughput = steadyRows.Count > 0
                ? new ThroughputBlock(steadyRows.Average(r => r.SendsPerS), steadyRows.Average(r => r.DeliveriesPerS))
                : new ThroughputBlock(sent / sendingSeconds, sum.Delivered / sendingSeconds),
            Sla = new SlaBlock(plan.Sla.P95Ms, plan.Sla.P99Ms, plan.Sla.Window, judged.P95Ms, judged.P99Ms, slaPassed,
                sla.Violations.Select(v => new SlaViolationBlock(v.FromS, v.ToS, v.WorstP95Ms, v.WorstP99Ms, v.Description)).ToList()),
            Generator = new GeneratorBlock(generator.MaxLagMs, generator.LagP99Ms, generator.GcPauseMs, generator.CpuPct,
                generator.MaxThreadPoolQueue, generator.Saturated, generator.Reason, generator.SchedulingLagP99Ms, generator.MaxSchedulingLagMs),
            Cohorts = Cohorts(sum),
            Tiers = Tiers(plan, sum),
            Faults = [.. verdict.Faults],
            OutsideFaults = verdict.Outside,
            Details = new DetailsBlock(
                sum.Counter(nameof(StormCounters.NotSent)), sum.Counter(nameof(StormCounters.Rejected)), sum.Unconfirmed,
                sum.Counter(nameof(StormCounters.SkippedSends)), sum.Counter(nameof(StormCounters.ConnectFailures)),
                sum.Counter(nameof(StormCounters.Resumes)), sum.Counter(nameof(StormCounters.SessionsLost)),
                sum.Counter(nameof(StormCounters.GapsReported)), sum.Counter(nameof(StormCounters.ShedDisconnects)),
                sum.Counter(nameof(StormCounters.ForeignMessages)), effects.Total(Effect.AnnouncedLoss), sum.NeverReceived,
                sum.ReorderedSenders.Count == 0 ? null
                    : sum.ReorderedSenders.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Take(20).ToDictionary(),
                sum.LostRuns.Count == 0 ? null
                    : [.. LostRuns.Merge(sum.LostRuns).Select(r => new LostRunBlock(r.User, r.Guild, r.FirstSeq, r.LastSeq, r.SentAtS, [.. r.Ends]))]),
            Timeline = [.. run.Timeline],
            Gateways = storm.Gateways.Select(g => g.WebSocket.ToString()).ToList(),
            Notes = [.. notInjected, drainNote, .. sum.Notes,
                .. surgeOnEveryone ? ["the plan has a surge but no high-tier users: the SLA is judged on every healthy user throughout, the surge included"] : Array.Empty<string>()],
            Shards = shards is null ? null : Shards(shards, tallies, sum),
            StartedAt = run.StartedAt.ToString("O"),
            FinishedAt = storm.Time.GetUtcNow().ToString("O"),
            Stopped = run.StopRequested && steadySeconds + 0.5 < plan.Duration,
            Outcome = verdict.Outcome,
            Passed = verdict.Passed,
            Verdict = verdict.Text,
            Causes = [.. verdict.Causes],
        };
    }

    private static ShardsBlock Shards(IReadOnlyList<ShardPlacement> shards, IReadOnlyList<ShardTally> tallies, TallySum sum) => new(
        Convert.ToBase64String(HistogramCodec.Encode(sum.Latency[(int)Cohort.Healthy])),
        [.. shards.Select((shard, i) => new ShardBlock(i, shard.Where, tallies[i].Users, tallies[i].Counters.GetValueOrDefault(nameof(StormCounters.Sent)),
            tallies[i].Delivered, Math.Round(shard.ClockOffsetMicroseconds / 1000.0, 3), Math.Round(shard.ClockUncertaintyMicroseconds / 1000.0, 3),
            Convert.ToBase64String(tallies[i].Latency[(int)Cohort.Healthy].Span), Math.Round(shard.ClockDriftMicroseconds / 1000.0, 3)))]);

    private static string SlaBreach(SlaMonitor sla, LatencyStats healthy, SlaSpec limits) =>
        sla.Violations.Count > 0
            ? $"SLA violated: {string.Join("; ", sla.Violations.Select(v => v.Description))}"
            : $"SLA violated: p95 {healthy.P95Ms:0.#} ms / p99 {healthy.P99Ms:0.#} ms over limits {limits.P95Ms:0.#} / {limits.P99Ms:0.#} ms";

    private static Dictionary<string, CohortBlock> Cohorts(TallySum sum)
    {
        var cohorts = new Dictionary<string, CohortBlock>();
        foreach (var cohort in new[] { Cohort.SlowConsumers, Cohort.Partitioned, Cohort.Shed })
        {
            int members = sum.CohortUsers[(int)cohort];
            if (members == 0) continue;
            // Deliveries since the fault picked them: those before were healthy ones, counted in the healthy block.
            var latency = LatencyHistogram.Summarize(sum.Latency[(int)cohort]);
            cohorts[cohort.ToReportName()] = new CohortBlock(members, latency.Count, Block(latency));
        }
        return cohorts;
    }

    private static Dictionary<string, TierBlock> Tiers(StormPlan plan, TallySum sum)
    {
        bool surge = plan.Faults.Any(f => f.Kind == FaultKind.Surge);
        var tiers = new Dictionary<string, TierBlock>();
        foreach (var tier in new[] { Tier.High, Tier.Normal, Tier.Low })
        {
            int t = (int)tier;
            if (sum.TierUsers[t] == 0) continue;
            tiers[tier.ToWire()] = new TierBlock(sum.TierUsers[t], sum.TierShedUsers[t], sum.Counter(StormCounters.ShedByTierName(tier)),
                Block(LatencyHistogram.Summarize(sum.TierLatency[t])), surge ? Block(LatencyHistogram.Summarize(sum.TierSurgeLatency[t])) : null);
        }
        return tiers;
    }

    private static LatencyBlock Block(LatencyStats s) => new(s.P50Ms, s.P95Ms, s.P99Ms, s.P999Ms, s.MaxMs, s.Count);
}
