using Flux.Protocol.Agents;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Distributed;

/// <summary>
/// The coordinator's live view of a distributed storm, second by second: every shard's deliveries of one second merged
/// exactly (its window, what the SLA is judged on, and the high tier), each agent's latest snapshot, and the agents'
/// healthy latency so far. Each part is filed under the second it measured (the shards' clocks share one zero), and a
/// second is judged one tick later, once every shard has sent it; a part later than that joins the next second judged.
/// A tick that judged only the seconds that happened to have arrived would see some shards' seconds twice and others'
/// not at all, and a breach on one agent could be broken up by seconds judged on the coordinator's deliveries alone.
/// </summary>
internal sealed class ShardSecondsMerge(Action<FormatException> undecodable)
{
    private readonly SortedDictionary<long, SecondParts> _pending = [];

    /// <summary>Each agent shard's latest snapshot.</summary>
    public Dictionary<int, Flux.Protocol.Control.StormSnapshot> Latest { get; } = [];

    /// <summary>Every agent's healthy deliveries so far.</summary>
    public HdrHistogram.HistogramBase AgentsCumulative { get; } = LatencyHistogram.NewEmpty();

    /// <summary>
    /// Files the coordinator's own second (<paramref name="healthy"/>, <paramref name="judged"/> when it is not the healthy
    /// one, <paramref name="highTier"/>) and what the agents sent since the last tick, then returns the seconds now due, merged.
    /// </summary>
    public (LatencyStats Window, LatencyStats Judged, LatencyStats HighTier) Tick(IShardExchange exchange, double now,
        HdrHistogram.HistogramBase? healthy, HdrHistogram.HistogramBase? judged, HdrHistogram.HistogramBase? highTier)
    {
        long second = (long)Math.Round(now);
        bool judgedIsHealthy = judged is null;
        File(second, healthy, judged, highTier);
        foreach (var (shard, part) in exchange.TakeSeconds())
        {
            Latest[shard] = part.Snapshot;
            var partHealthy = Decoded(part.Healthy);
            if (partHealthy is not null) AgentsCumulative.Add(partHealthy);
            File((long)Math.Round(part.Snapshot.ElapsedS), partHealthy, judgedIsHealthy ? null : Decoded(part.Judged), Decoded(part.HighTier));
        }
        var due = _pending.Keys.Where(k => k < second).ToList();
        if (due.Count == 0) return (LatencyStats.Empty, LatencyStats.Empty, LatencyStats.Empty);
        var merged = _pending[due[0]];
        foreach (long key in due.Skip(1)) merged.Add(_pending[key]);
        foreach (long key in due) _pending.Remove(key);
        var window = LatencyHistogram.Summarize(merged.Healthy);
        return (window, judgedIsHealthy ? window : LatencyHistogram.Summarize(merged.Judged), LatencyHistogram.Summarize(merged.HighTier));
    }

    /// <summary>An agent's second, as it sends it to the coordinator.</summary>
    public static ShardSecond Part(HdrHistogram.HistogramBase? healthy, HdrHistogram.HistogramBase? judged, HdrHistogram.HistogramBase? highTier) => new()
    {
        Healthy = Bytes(healthy),
        Judged = Bytes(judged),
        HighTier = Bytes(highTier),
    };

    private void File(long second, HdrHistogram.HistogramBase? healthy, HdrHistogram.HistogramBase? judged, HdrHistogram.HistogramBase? highTier)
    {
        if (!_pending.TryGetValue(second, out var parts)) _pending[second] = parts = new SecondParts();
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
            undecodable(ex);
            return null;
        }
    }

    private static Google.Protobuf.ByteString Bytes(HdrHistogram.HistogramBase? histogram) =>
        Google.Protobuf.ByteString.CopyFrom(HistogramCodec.Encode(histogram));

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
}
