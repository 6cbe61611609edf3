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
    // The coordinator of a distributed storm: each agent shard's latest snapshot, and the healthy latency they sent.
    private readonly Dictionary<int, StormSnapshot> _shardLatest = [];
    private readonly HdrHistogram.HistogramBase _shardsCumulative = LatencyHistogram.NewEmpty();
    private readonly SortedDictionary<long, SecondParts> _pendingSeconds = [];
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
        Flux.Protocol.Agents.ShardSecond? pendingSecond = null;
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
            if (_role is { Shard.IsLead: true } coordinator)
            {
                (window, judged, highTier) = MergeShardSeconds(coordinator.Exchange, now, healthy);
            }
            else if (_role is not null)
            {
                pendingSecond = new Flux.Protocol.Agents.ShardSecond
                {
                    Healthy = Bytes(healthy.LastInterval),
                    Judged = Bytes(_storm.Judged.LastInterval),
                    HighTier = Bytes(_storm.TierLatency[(int)Tier.High].LastInterval),
                };
            }
            _storm.Generator.Sample();
            if (Sla.Observe(now, judged))
            {
                Log.SlaAlert(_storm.Logger, Id, Sla.Message);
                _storm.Metrics.SlaAlert();
            }
        }
        var cumulative = _shardLatest.Count == 0 ? _storm.Latency[(int)Cohort.Healthy].Cumulative
            : LatencyHistogram.Summarize(HistogramCodec.Sum([_storm.Latency[(int)Cohort.Healthy].CopyCumulative(), _shardsCumulative]));
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
        // Counters are the shards' own; a shard's rates are per second, so their sum is the storm's.
        long lostElsewhere = 0, unexpectedElsewhere = 0, injectedElsewhere = 0;
        double sendsElsewhere = 0, deliveriesElsewhere = 0;
        int connectionsElsewhere = 0;
        foreach (var other in _shardLatest.Values)
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
        long ownSent = Interlocked.Read(ref _storm.Counters.Sent), ownDelivered = delivered - _shardLatest.Values.Sum(o => o.Delivered);
        double sendsPerS = (ownSent - _lastSent) / elapsed + sendsElsewhere, deliveriesPerS = (ownDelivered - _lastDelivered) / elapsed + deliveriesElsewhere;
        if (!final)
        {
            (_lastSent, _lastDelivered, _lastSampleAt) = (ownSent, ownDelivered, now);
        }
        int connections = Volatile.Read(ref _storm.Counters.Connected) + connectionsElsewhere;
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
            Sent = Report?.Sent ?? sent,
            Delivered = Report?.Delivered ?? delivered,
            Lost = Report?.Lost ?? LiveLost() + lostElsewhere,
            Duplicates = Report?.Duplicates ?? duplicates,
            Reordered = Report?.Reordered ?? reordered,
            UnexpectedDisconnects = Report?.UnexpectedDisconnects ?? Interlocked.Read(ref _storm.Counters.UnexpectedDisconnects) + unexpectedElsewhere,
            InjectedDisconnects = Report?.InjectedDisconnects ?? Interlocked.Read(ref _storm.Counters.InjectedDisconnects) + injectedElsewhere,
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
        if (pendingSecond is not null)
        {
            pendingSecond.Snapshot = snapshot;
            _role!.Exchange.PublishSecond(pendingSecond);
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

    // The coordinator's window, SLA window and high-tier window: every shard's deliveries of one second. Each part is
    // filed under the second it measured (the shards' clocks share one zero), and a second is judged one tick later, once
    // every shard has sent it; a part later than that joins the next second judged. A tick that judged only the seconds
    // that happened to have arrived would see some shards' seconds twice and others' not at all, and a breach on one
    // agent could be broken up by seconds judged on the coordinator's deliveries alone.
    private (LatencyStats Window, LatencyStats Judged, LatencyStats HighTier) MergeShardSeconds(IShardExchange exchange, double now, LatencyHistogram healthy)
    {
        long second = (long)Math.Round(now);
        bool judgedIsHealthy = ReferenceEquals(_storm.Judged, healthy);
        File(second, healthy.LastInterval, judgedIsHealthy ? null : _storm.Judged.LastInterval, _storm.TierLatency[(int)Tier.High].LastInterval);
        foreach (var (shard, part) in exchange.TakeSeconds())
        {
            _shardLatest[shard] = part.Snapshot;
            var partHealthy = Decoded(part.Healthy);
            if (partHealthy is not null) _shardsCumulative.Add(partHealthy);
            File((long)Math.Round(part.Snapshot.ElapsedS), partHealthy, judgedIsHealthy ? null : Decoded(part.Judged), Decoded(part.HighTier));
        }
        var due = _pendingSeconds.Keys.Where(k => k < second).ToList();
        if (due.Count == 0) return (LatencyStats.Empty, LatencyStats.Empty, LatencyStats.Empty);
        var merged = _pendingSeconds[due[0]];
        foreach (long key in due.Skip(1)) merged.Add(_pendingSeconds[key]);
        foreach (long key in due) _pendingSeconds.Remove(key);
        var window = LatencyHistogram.Summarize(merged.Healthy);
        return (window, judgedIsHealthy ? window : LatencyHistogram.Summarize(merged.Judged), LatencyHistogram.Summarize(merged.HighTier));
    }

    private void File(long second, HdrHistogram.HistogramBase? healthy, HdrHistogram.HistogramBase? judged, HdrHistogram.HistogramBase? highTier)
    {
        if (!_pendingSeconds.TryGetValue(second, out var parts)) _pendingSeconds[second] = parts = new SecondParts();
        if (healthy is not null) parts.Healthy.Add(healthy);
        if (judged is not null) parts.Judged.Add(judged);
        if (highTier is not null) parts.HighTier.Add(highTier);
    }

    // A shard's second that does not decode is left out of the live view (its tally, at the end, is exact or fails).
    private HdrHistogram.HistogramBase? Decoded(Google.Protobuf.ByteString bytes)
    {
        try
        {
            return HistogramCodec.Decode(bytes.Span);
        }
        catch (FormatException ex)
        {
            Log.StormFailed(_storm.Logger, Id, ex);
            return null;
        }
    }

    private sealed class SecondParts
    {
        public HdrHistogram.HistogramBase Healthy { get; } = LatencyHistogram.NewEmpty();
        public HdrHistogram.HistogramBase Judged { get; } = LatencyHistogram.NewEmpty();
        public HdrHistogram.HistogramBase HighTier { get; } = LatencyHistogram.NewEmpty();

        public void Add(SecondParts other)
        {
            Healthy.Add(other.Healthy);
            Judged.Add(other.Judged);
            HighTier.Add(other.HighTier);
        }
    }

    private static Google.Protobuf.ByteString Bytes(HdrHistogram.HistogramBase? histogram) =>
        Google.Protobuf.ByteString.CopyFrom(HistogramCodec.Encode(histogram));

    private static LatencySummary ToMessage(LatencyStats stats) => new()
    {
        Count = stats.Count,
        P50Ms = stats.P50Ms,
        P95Ms = stats.P95Ms,
        P99Ms = stats.P99Ms,
        MaxMs = stats.MaxMs,
    };
}
