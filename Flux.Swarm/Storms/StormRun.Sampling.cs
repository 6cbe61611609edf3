using Flux.Protocol.Auth;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Measurement;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Storms;

internal sealed partial class StormRun
{
    /// <summary>A seq counts as lost in live snapshots once its guild has moved this many seconds past it.</summary>
    private const int LiveLossGraceSeconds = 5;

    private readonly List<TimelineRow> _timeline = [];
    // Each user's epoch and its highest seq, one entry a second, for the live loss count.
    private readonly Queue<(EpochMax? Epoch, long Max)[]> _epochMaxHistory = new();
    private long _lastSent;
    private long _lastDelivered;
    private double _lastSampleAt;

    internal IReadOnlyList<TimelineRow> Timeline => _timeline;

    private async Task SampleEverySecondAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                PublishSnapshot(BuildSnapshot(final: false));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private StormSnapshot BuildSnapshot(bool final)
    {
        double now = _storm.Clock.NowSeconds;
        var window = LatencyStats.Empty;
        var highTier = LatencyStats.Empty;
        (string? TraceId, double Ms) worst = (null, 0);
        if (!final || _phase == StormPhase.Failed)
        {
            var healthy = _storm.Latency[(int)Cohort.Healthy];
            window = healthy.TakeInterval();
            worst = _storm.WorstSampled.Take();
            for (int c = 1; c < _storm.Latency.Length; c++) _storm.Latency[c].TakeInterval();
            highTier = _storm.TierLatency[(int)Tier.High].TakeInterval();
            _storm.TierLatency[(int)Tier.Normal].TakeInterval();
            _storm.TierLatency[(int)Tier.Low].TakeInterval();
            foreach (var tier in _storm.TierSurgeLatency) tier.TakeInterval();
            // During a surge the SLA is judged on the high tier (StormContext.Judged); otherwise it is the healthy window.
            var judged = ReferenceEquals(_storm.Judged, healthy) ? window : _storm.Judged.TakeInterval();
            _storm.Generator.Sample();
            if (Sla.Observe(now, judged))
            {
                Log.SlaAlert(_storm.Logger, Id, Sla.Message);
                _storm.Metrics.SlaAlert();
            }
        }
        var cumulative = _storm.Latency[(int)Cohort.Healthy].Cumulative;
        long sent = Interlocked.Read(ref _storm.Counters.Sent);
        long delivered = 0, duplicates = 0, reordered = 0;
        var byTier = new int[3]; // connected users by tier
        foreach (var user in _users)
        {
            if (user.IsReady) byTier[(int)user.Tier]++;
            delivered += user.Delivered;
            duplicates += user.Duplicates;
            reordered += user.Reordered;
        }
        double elapsed = Math.Max(0.001, now - _lastSampleAt);
        double sendsPerS = (sent - _lastSent) / elapsed, deliveriesPerS = (delivered - _lastDelivered) / elapsed;
        if (!final)
        {
            (_lastSent, _lastDelivered, _lastSampleAt) = (sent, delivered, now);
        }
        int connections = Volatile.Read(ref _storm.Counters.Connected);
        _storm.Metrics.SetConnections(connections);
        _storm.Metrics.SetGeneratorLag(_storm.Generator.LastLagMs);

        var snapshot = new StormSnapshot
        {
            Id = Id,
            Phase = _phase,
            ElapsedS = now,
            Connections = connections,
            SendsPerS = final ? 0 : sendsPerS,
            DeliveriesPerS = final ? 0 : deliveriesPerS,
            Window = ToMessage(window),
            Cumulative = ToMessage(cumulative),
            Sent = sent,
            Delivered = delivered,
            Lost = Report?.Lost ?? LiveLost(),
            Duplicates = duplicates,
            Reordered = reordered,
            UnexpectedDisconnects = Report?.UnexpectedDisconnects ?? Interlocked.Read(ref _storm.Counters.UnexpectedDisconnects),
            InjectedDisconnects = Report?.InjectedDisconnects ?? Interlocked.Read(ref _storm.Counters.InjectedDisconnects),
            SlaViolated = Sla.EverViolated,
            SlaMessage = Sla.Message,
            GeneratorLagMs = _storm.Generator.LastLagMs,
            UnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            WorstTraceId = worst.TraceId ?? "",
            WorstSampledMs = worst.Ms,
            ConnectionsHigh = byTier[(int)Tier.High],
            ConnectionsNormal = byTier[(int)Tier.Normal],
            ConnectionsLow = byTier[(int)Tier.Low],
            HighTierWindow = ToMessage(highTier),
        };
        snapshot.ActiveFaults.AddRange(_storm.Faults.ActiveDescriptions(now));
        snapshot.Alerts.AddRange(Sla.AlertHistory);
        if (final && Report is { } report)
        {
            snapshot.Outcome = StormOutcomeMapping.ToOutcome(report.Outcome);
            snapshot.Verdict = report.Verdict;
        }
        if (!final)
        {
            _timeline.Add(new TimelineRow(Math.Round(now), StormPhaseNames.ToText(_phase), connections, sendsPerS, deliveriesPerS,
                window.P50Ms, window.P95Ms, window.P99Ms, window.MaxMs, Sla.Alerting, worst.TraceId, worst.Ms,
                new TierConnections(byTier[(int)Tier.High], byTier[(int)Tier.Normal], byTier[(int)Tier.Low], highTier.P99Ms)));
        }
        return snapshot;
    }

    // Seqs that a connected user is still missing although its guild moved past them a while ago.
    private long LiveLost()
    {
        _epochMaxHistory.Enqueue([.. _users.Select(u => (u.EpochMax, u.EpochMax?.Value ?? 0))]);
        if (_epochMaxHistory.Count <= LiveLossGraceSeconds) return 0;
        var settled = _epochMaxHistory.Dequeue();
        long lost = 0;
        for (int i = 0; i < _users.Count && i < settled.Length; i++)
        {
            var user = _users[i];
            // Compared only within one epoch: after Redis lost the guild's state the user's seqs start again.
            if (user.IsReady && user.Tracker is { } tracker && ReferenceEquals(user.EpochMax, settled[i].Epoch))
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
