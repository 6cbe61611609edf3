using Flux.Protocol.Agents;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using HdrHistogram;

namespace Flux.Swarm.Storms;

/// <summary>
/// Every shard's tally added up: counts summed, effects and closes merged into one <see cref="EffectLedger"/>, and
/// histograms merged exactly (HdrHistogram addition: the merged percentiles are those of all the deliveries).
/// </summary>
internal sealed class TallySum
{
    private readonly Dictionary<string, long> _counters = [];

    private TallySum(EffectLedger effects) => Effects = effects;

    public EffectLedger Effects { get; }
    public long Expected { get; private set; }
    public long Delivered { get; private set; }
    public long Duplicates { get; private set; }
    public long Reordered { get; private set; }
    public long Unconfirmed { get; private set; }
    public long NeverReceived { get; private set; }
    public HistogramBase[] Latency { get; } = NewHistograms(CohortNames.Count);
    public HistogramBase[] TierLatency { get; } = NewHistograms(3);
    public HistogramBase[] TierSurgeLatency { get; } = NewHistograms(3);
    public HistogramBase Judged { get; } = LatencyHistogram.NewEmpty();
    public int[] CohortUsers { get; } = new int[CohortNames.Count];
    public int[] TierUsers { get; } = new int[3];
    public int[] TierShedUsers { get; } = new int[3];
    public GeneratorReport Generator { get; private set; } = new(0, 0, 0, 0, 0, 0, 0, false, "");

    /// <summary>Faults the agents' shards could not carry out (shard 0's are its injector's), each prefixed with its shard.</summary>
    public List<string> NotInjected { get; } = [];

    /// <summary>The agents' shards' notes (shard 0's are the run's own), each prefixed with its shard.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Senders whose messages reached a user out of the order they sent them, over every shard.</summary>
    public Dictionary<string, long> ReorderedSenders { get; } = [];

    /// <summary>Every shard's largest runs of lost deliveries (see <see cref="Storms.LostRuns"/>).</summary>
    public List<LostRun> LostRuns { get; } = [];

    public long Counter(string name) => _counters.GetValueOrDefault(name);

    /// <param name="effectSlots">The plan's faults plus one (the allowed limit breach), as <see cref="EffectLedger"/> counts them.</param>
    /// <exception cref="FormatException">A tally's histogram is not a compressed HdrHistogram.</exception>
    public static TallySum Of(IReadOnlyList<ShardTally> tallies, int effectSlots)
    {
        var sum = new TallySum(new EffectLedger(effectSlots));
        var generators = new List<(int Shard, GeneratorTally Report)>();
        for (int shard = 0; shard < tallies.Count; shard++)
        {
            var tally = tallies[shard];
            sum.Expected += tally.Expected;
            sum.Delivered += tally.Delivered;
            sum.Duplicates += tally.Duplicates;
            sum.Reordered += tally.Reordered;
            sum.Unconfirmed += tally.Unconfirmed;
            sum.NeverReceived += tally.NeverReceived;
            foreach (var (name, value) in tally.Counters) sum._counters[name] = sum._counters.GetValueOrDefault(name) + value;
            foreach (var effect in tally.Effects)
            {
                if (effect.Fault >= -1 && effect.Fault < effectSlots && Enum.IsDefined((Effect)effect.Effect)) sum.Effects.Add(effect.Fault, (Effect)effect.Effect, effect.Count);
            }
            foreach (var close in tally.Closes) sum.Effects.Closed(close.Fault, close.Close, close.Count);
            foreach (var close in tally.FuzzCloses) sum.Effects.Closed(close.Fault, close.Close, close.Count, fuzz: true);
            foreach (var (sender, count) in tally.ReorderedSenders) sum.ReorderedSenders[sender] = sum.ReorderedSenders.GetValueOrDefault(sender) + count;
            sum.LostRuns.AddRange(tally.LostRuns);
            AddAll(sum.Latency, tally.Latency);
            AddAll(sum.TierLatency, tally.TierLatency);
            AddAll(sum.TierSurgeLatency, tally.TierSurgeLatency);
            sum.Judged.Add(HistogramCodec.Decode(tally.Judged.Span));
            AddAll(sum.CohortUsers, tally.CohortUsers);
            AddAll(sum.TierUsers, tally.TierUsers);
            AddAll(sum.TierShedUsers, tally.TierShedUsers);
            if (tally.Generator is { } generator) generators.Add((shard, generator));
            if (shard > 0)
            {
                sum.NotInjected.AddRange(tally.NotInjected.Select(n => $"shard {shard}: {n}"));
                sum.Notes.AddRange(tally.Notes.Select(n => $"shard {shard}: {n}"));
            }
        }
        sum.Generator = MergeGenerators(generators, tallies.Count > 1);
        return sum;
    }

    // The storm's generator kept its schedule only if every shard did: the worst of each, and every shard's reason.
    private static GeneratorReport MergeGenerators(List<(int Shard, GeneratorTally Report)> shards, bool distributed)
    {
        if (shards.Count == 0) return new GeneratorReport(0, 0, 0, 0, 0, 0, 0, false, "");
        var saturated = shards.Where(s => s.Report.Saturated).ToList();
        string reason = !distributed ? shards[0].Report.Reason
            : saturated.Count == 0 ? shards[0].Report.Reason
            : string.Join(" ", saturated.Select(s => $"Shard {s.Shard}: {s.Report.Reason}"));
        return new GeneratorReport(
            shards.Max(s => s.Report.MaxLagMs), shards.Max(s => s.Report.LagP99Ms), shards.Max(s => s.Report.GcPauseMs),
            shards.Max(s => s.Report.CpuPct), shards.Max(s => s.Report.MaxThreadPoolQueue),
            shards.Max(s => s.Report.SchedulingLagP99Ms), shards.Max(s => s.Report.MaxSchedulingLagMs), saturated.Count > 0, reason);
    }

    private static void AddAll(HistogramBase[] into, IReadOnlyList<Google.Protobuf.ByteString> parts)
    {
        for (int i = 0; i < into.Length && i < parts.Count; i++) into[i].Add(HistogramCodec.Decode(parts[i].Span));
    }

    private static void AddAll(int[] into, IReadOnlyList<int> parts)
    {
        for (int i = 0; i < into.Length && i < parts.Count; i++) into[i] += parts[i];
    }

    private static HistogramBase[] NewHistograms(int count) => [.. Enumerable.Range(0, count).Select(_ => LatencyHistogram.NewEmpty())];
}
