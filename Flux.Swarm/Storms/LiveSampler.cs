using Flux.Protocol.Agents;
using Flux.Protocol.Auth;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Distributed;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;
using Flux.Swarm.Users;

namespace Flux.Swarm.Storms;

/// <summary>
/// A run's live view, one snapshot a second: the second's latency and rates, connections by tier, counts so far and a
/// live loss estimate, each second judged against the SLA, and a timeline row for the report. On the coordinator of a
/// distributed storm each second merges every shard's (<see cref="ShardSecondsMerge"/>); an agent sends its second on.
/// It reads the users' receipts and the run's counters; it counts nothing itself.
/// </summary>
internal sealed class LiveSampler(StormContext storm, IReadOnlyList<SimulatedUser> users, SlaMonitor sla, ShardRole? role)
{
    /// <summary>A seq counts as lost in live snapshots once its guild has moved this many seconds past it.</summary>
    private const int LiveLossGraceSeconds = 5;

    private readonly List<TimelineRow> _timeline = [];
    // Each user's epoch and its highest seq, one entry a second, for the live loss count.
    private readonly Queue<(EpochMax? Epoch, long Max)[]> _epochMaxHistory = new();
    private readonly ShardSecondsMerge? _shards = role is { Shard.IsLead: true }
        ? new ShardSecondsMerge(ex => Log.StormFailed(storm.Logger, storm.RunId, ex))
        : null;
    private long _lastSent;
    private long _lastDelivered;
    // Each user's deliveries at the last sample, to tell the healthy users' deliveries of each second.
    private long[]? _deliveredAtLastSample;
    private double _lastSampleAt;

    public IReadOnlyList<TimelineRow> Timeline => _timeline;

    /// <summary>Publishes a snapshot every second until <paramref name="stop"/>.</summary>
    public async Task RunAsync(Func<StormPhase> phase, Action<StormSnapshot> publish, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), storm.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                publish(Snapshot(phase(), final: false, report: null));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The snapshot of this moment. A second's measurements are taken (and judged) by every snapshot but the final one
    /// of a finished run, which restates the report's counts.
    /// </summary>
    public StormSnapshot Snapshot(StormPhase phase, bool final, StormReport? report)
    {
        double now = storm.Clock.NowSeconds;
        var window = LatencyStats.Empty;
        var highTier = LatencyStats.Empty;
        (string? TraceId, double Ms) worst = (null, 0);
        ShardSecond? agentSecond = null;
        if (!final || phase == StormPhase.Failed)
        {
            (window, highTier, worst, agentSecond) = TakeSecond(now);
        }
        var healthy = storm.Latency[(int)Cohort.Healthy];
        var agents = _shards?.Latest.Values ?? (IEnumerable<StormSnapshot>)[];
        var cumulative = _shards is null || _shards.Latest.Count == 0 ? healthy.Cumulative
            : LatencyHistogram.Summarize(HistogramCodec.Sum([healthy.CopyCumulative(), _shards.AgentsCumulative]));
        long ownSent = Interlocked.Read(ref storm.Counters.Sent);
        long ownDelivered = 0, duplicates = 0, reordered = 0;
        var byTier = new int[3]; // connected users by tier
        foreach (var user in users)
        {
            if (user.IsReady) byTier[(int)user.Tier]++;
            ownDelivered += user.Receipts.Delivered;
            duplicates += user.Receipts.Duplicates;
            reordered += user.Receipts.Reordered;
        }
        // Counters are the shards' own; a shard's rates are per second, so their sum is the storm's.
        long sent = ownSent, delivered = ownDelivered, lostElsewhere = 0, unexpectedElsewhere = 0, injectedElsewhere = 0;
        double sendsElsewhere = 0, deliveriesElsewhere = 0;
        int connectionsElsewhere = 0;
        foreach (var other in agents)
        {
            sent += other.Sent;
            delivered += other.Delivered;
            duplicates += other.Duplicates;
            reordered += other.Reordered;
            lostElsewhere += other.Lost;
            unexpectedElsewhere += other.UnexpectedDisconnects;
            injectedElsewhere += other.InjectedDisconnects;
            sendsElsewhere += other.SendsPerS;
            deliveriesElsewhere += other.DeliveriesPerS;
            connectionsElsewhere += other.Connections;
            byTier[(int)Tier.High] += other.ConnectionsHigh;
            byTier[(int)Tier.Normal] += other.ConnectionsNormal;
            byTier[(int)Tier.Low] += other.ConnectionsLow;
        }
        double elapsed = Math.Max(0.001, now - _lastSampleAt);
        double sendsPerS = (ownSent - _lastSent) / elapsed + sendsElsewhere, deliveriesPerS = (ownDelivered - _lastDelivered) / elapsed + deliveriesElsewhere;
        if (!final)
        {
            (_lastSent, _lastDelivered, _lastSampleAt) = (ownSent, ownDelivered, now);
        }
        int connections = Volatile.Read(ref storm.Counters.Connected) + connectionsElsewhere;
        storm.Metrics.SetConnections(connections);
        storm.Metrics.SetGeneratorLag(storm.Generator.LastLagMs);

        var snapshot = new StormSnapshot
        {
            Id = storm.RunId,
            Phase = phase,
            ElapsedS = now,
            Connections = connections,
            SendsPerS = final ? 0 : sendsPerS,
            DeliveriesPerS = final ? 0 : deliveriesPerS,
            Window = ToMessage(window),
            Cumulative = ToMessage(cumulative),
            Sent = report?.Sent ?? sent,
            Delivered = report?.Delivered ?? delivered,
            Lost = report?.Lost ?? LiveLost() + lostElsewhere,
            Duplicates = report?.Duplicates ?? duplicates,
            Reordered = report?.Reordered ?? reordered,
            UnexpectedDisconnects = report?.UnexpectedDisconnects ?? Interlocked.Read(ref storm.Counters.UnexpectedDisconnects) + unexpectedElsewhere,
            InjectedDisconnects = report?.InjectedDisconnects ?? Interlocked.Read(ref storm.Counters.InjectedDisconnects) + injectedElsewhere,
            SlaViolated = sla.EverViolated,
            SlaMessage = sla.Message,
            GeneratorLagMs = storm.Generator.LastLagMs,
            UnixMs = storm.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            WorstTraceId = worst.TraceId ?? "",
            WorstSampledMs = worst.Ms,
            ConnectionsHigh = byTier[(int)Tier.High],
            ConnectionsNormal = byTier[(int)Tier.Normal],
            ConnectionsLow = byTier[(int)Tier.Low],
            HighTierWindow = ToMessage(highTier),
        };
        snapshot.ActiveFaults.AddRange(storm.Faults.ActiveDescriptions(now));
        snapshot.Alerts.AddRange(sla.AlertHistory);
        if (final && report is not null)
        {
            snapshot.Outcome = StormOutcomeMapping.ToOutcome(report.Outcome);
            snapshot.Verdict = report.Verdict;
        }
        if (agentSecond is not null)
        {
            agentSecond.Snapshot = snapshot;
            role!.Exchange.PublishSecond(agentSecond);
        }
        if (!final)
        {
            _timeline.Add(new TimelineRow(Math.Round(now), StormPhaseNames.ToText(phase), connections, sendsPerS, deliveriesPerS,
                window.P50Ms, window.P95Ms, window.P99Ms, window.MaxMs, sla.Alerting, worst.TraceId, worst.Ms,
                new TierConnections(byTier[(int)Tier.High], byTier[(int)Tier.Normal], byTier[(int)Tier.Low], highTier.P99Ms)));
        }
        return snapshot;
    }

    // Takes the second's measurements from every histogram (so the next second starts empty), feeds the meter, and judges
    // the second against the SLA: during a surge on the high tier (StormContext.Judged), otherwise on the healthy window.
    private (LatencyStats Window, LatencyStats HighTier, (string?, double) Worst, ShardSecond? AgentSecond) TakeSecond(double now)
    {
        long healthyDeliveries = HealthyDeliveriesThisSecond();
        var healthy = storm.Latency[(int)Cohort.Healthy];
        var window = healthy.TakeInterval(interval => storm.Metrics.RecordDeliveries(Cohort.Healthy, interval));
        // This process's own deliveries and latency (a coordinator's merged window trails by a second).
        bool untimed = healthyDeliveries > 0 && window.Count == 0;
        var worst = storm.WorstSampled.Take();
        for (int c = 1; c < storm.Latency.Length; c++)
        {
            var cohort = (Cohort)c;
            storm.Latency[c].TakeInterval(interval => storm.Metrics.RecordDeliveries(cohort, interval));
        }
        var highTier = storm.TierLatency[(int)Tier.High].TakeInterval();
        storm.TierLatency[(int)Tier.Normal].TakeInterval();
        storm.TierLatency[(int)Tier.Low].TakeInterval();
        foreach (var tier in storm.TierSurgeLatency) tier.TakeInterval();
        bool judgedIsHealthy = ReferenceEquals(storm.Judged, healthy);
        var judged = judgedIsHealthy ? window : storm.Judged.TakeInterval();
        ShardSecond? agentSecond = null;
        if (_shards is not null)
        {
            (window, judged, highTier) = _shards.Tick(role!.Exchange, now, healthy.LastInterval,
                judgedIsHealthy ? null : storm.Judged.LastInterval, storm.TierLatency[(int)Tier.High].LastInterval);
        }
        else if (role is not null)
        {
            agentSecond = ShardSecondsMerge.Part(healthy.LastInterval, storm.Judged.LastInterval, storm.TierLatency[(int)Tier.High].LastInterval);
        }
        storm.Generator.Sample();
        if (sla.Observe(now, judged, untimed))
        {
            Log.SlaAlert(storm.Logger, storm.RunId, sla.Message);
            storm.Metrics.SlaAlert();
        }
        return (window, highTier, worst, agentSecond);
    }

    // Deliveries to users still healthy since the last sample (a user's cohort only ever leaves healthy).
    private long HealthyDeliveriesThisSecond()
    {
        _deliveredAtLastSample ??= new long[users.Count];
        long healthy = 0;
        for (int i = 0; i < users.Count; i++)
        {
            long delivered = users[i].Receipts.Delivered;
            if (users[i].Cohort == Cohort.Healthy) healthy += delivered - _deliveredAtLastSample[i];
            _deliveredAtLastSample[i] = delivered;
        }
        return healthy;
    }

    // Seqs that a connected user is still missing although its guild moved past them a while ago.
    private long LiveLost()
    {
        _epochMaxHistory.Enqueue([.. users.Select(u => (u.Receipts.EpochMax, u.Receipts.EpochMax?.Value ?? 0))]);
        if (_epochMaxHistory.Count <= LiveLossGraceSeconds) return 0;
        var settled = _epochMaxHistory.Dequeue();
        long lost = 0;
        for (int i = 0; i < users.Count && i < settled.Length; i++)
        {
            var user = users[i];
            // Compared only within one epoch: after Redis lost the guild's state the user's seqs start again.
            if (user.IsReady && user.Receipts.Tracker is { } tracker && ReferenceEquals(user.Receipts.EpochMax, settled[i].Epoch))
            {
                lost += tracker.MissingUpTo(settled[i].Max) + tracker.MissedBeforeRebase;
            }
        }
        return lost;
    }

    private static LatencySummary ToMessage(LatencyStats stats) => new()
    {
        Count = stats.Count,
        P50Ms = stats.P50Ms,
        P95Ms = stats.P95Ms,
        P99Ms = stats.P99Ms,
        MaxMs = stats.MaxMs,
    };
}
