using System.Collections.Concurrent;
using Flux.Protocol.Storms.Faults;

namespace Flux.Swarm.Measurement;

/// <summary>
/// Everything that went wrong during a run, counted by the fault that explains it (index -1: none did). Effects by
/// kind; connection ends by close code (and <see cref="CloseKinds"/>); fuzzing clients' closes apart. Updated from any
/// thread.
/// </summary>
internal sealed class EffectLedger(int faults)
{
    private readonly long[][] _effects = Enumerable.Range(0, faults + 1).Select(_ => new long[EffectNames.All.Length]).ToArray();
    private readonly ConcurrentDictionary<(int Fault, string Close), long> _closes = new();
    private readonly ConcurrentDictionary<(int Fault, string Close), long> _fuzzCloses = new();

    public void Add(int fault, Effect effect, long count = 1)
    {
        if (count != 0) Interlocked.Add(ref _effects[fault + 1][(int)effect], count);
    }

    /// <summary>A user's connection ended, other than by the swarm's own normal close at the end of the run.</summary>
    public void Closed(int fault, string close) => _closes.AddOrUpdate((fault, close), 1, static (_, n) => n + 1);

    /// <summary>A fuzzing client's connection ended.</summary>
    public void FuzzClosed(int fault, string close) => _fuzzCloses.AddOrUpdate((fault, close), 1, static (_, n) => n + 1);

    public long Count(int fault, Effect effect) => Volatile.Read(ref _effects[fault + 1][(int)effect]);

    public long Total(Effect effect) => _effects.Sum(counts => Volatile.Read(ref counts[(int)effect]));

    public IReadOnlyDictionary<string, long> Closes(int fault) =>
        _closes.Where(c => c.Key.Fault == fault).ToDictionary(c => c.Key.Close, c => c.Value);

    public IReadOnlyDictionary<string, long> FuzzCloses(int fault) =>
        _fuzzCloses.Where(c => c.Key.Fault == fault).ToDictionary(c => c.Key.Close, c => c.Value);

    /// <summary>Every non-zero count, as (fault, effect, count): for a shard to hand its effects to the coordinator.</summary>
    public IEnumerable<(int Fault, Effect Effect, long Count)> Entries()
    {
        for (int slot = 0; slot < _effects.Length; slot++)
        {
            for (int e = 0; e < _effects[slot].Length; e++)
            {
                long count = Volatile.Read(ref _effects[slot][e]);
                if (count != 0) yield return (slot - 1, (Effect)e, count);
            }
        }
    }

    public IEnumerable<(int Fault, string Close, long Count)> CloseEntries() => _closes.Select(c => (c.Key.Fault, c.Key.Close, c.Value));

    public IEnumerable<(int Fault, string Close, long Count)> FuzzCloseEntries() => _fuzzCloses.Select(c => (c.Key.Fault, c.Key.Close, c.Value));

    /// <summary>Adds <paramref name="count"/> closes of one kind (merging another shard's ledger).</summary>
    public void Closed(int fault, string close, long count, bool fuzz = false) =>
        (fuzz ? _fuzzCloses : _closes).AddOrUpdate((fault, close), count, (_, n) => n + count);
}
