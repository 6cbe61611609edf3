using System.Collections.Concurrent;

namespace Flux.Swarm.Measurement;

/// <summary>
/// The highest seq any user saw in each guild, per epoch. An epoch (from <c>ready</c>) is one lifetime of a guild's
/// state in Redis: after Redis loses it, seqs start again from 1 in a new epoch, so seqs of different epochs are never
/// compared. A user holds its epoch's <see cref="EpochMax"/> and updates it on every delivery without a lookup.
/// </summary>
internal sealed class GuildEpochs
{
    private readonly ConcurrentDictionary<(int Guild, string Epoch), EpochMax> _epochs = new();

    public EpochMax For(int guild, string epoch) => _epochs.GetOrAdd((guild, epoch), static _ => new EpochMax());

    /// <summary>Every guild epoch seen, with its highest seq.</summary>
    public IEnumerable<(int Guild, string Epoch, long Max)> All() => _epochs.Select(e => (e.Key.Guild, e.Key.Epoch, e.Value.Value));
}

/// <summary>The highest seq seen in one guild's epoch; updated from any user's receive loop.</summary>
internal sealed class EpochMax
{
    private long _max;

    public long Value => Volatile.Read(ref _max);

    public void Observe(long seq) => Flux.ServiceDefaults.InterlockedMax.Raise(ref _max, seq);
}
