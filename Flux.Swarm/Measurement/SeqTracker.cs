using System.Numerics;

namespace Flux.Swarm.Measurement;

/// <summary>
/// One user's view of one guild's seqs: which arrived, which twice, which late. Seqs after <see cref="Base"/>
/// (the seq in <c>ready</c>) are all expected; a bit per seq records arrival. It classifies; the user's receipts count.
/// Used only from the user's receive loop, except <see cref="MissingUpTo"/>, which tolerates a stale read.
/// </summary>
internal sealed class SeqTracker
{
    private ulong[] _bits = new ulong[2];

    /// <summary>Seqs at or below this were before the user joined.</summary>
    public long Base { get; private set; }

    /// <summary>The highest seq received so far (or <see cref="Base"/>).</summary>
    public long Highest { get; private set; }

    /// <summary>Starts tracking after <paramref name="seq"/> (from ready).</summary>
    public SeqTracker(long seq)
    {
        Base = seq;
        Highest = seq;
    }

    /// <summary>Records a delivered seq; returns what it was.</summary>
    public SeqArrival Record(long seq)
    {
        if (seq <= Base) return SeqArrival.Duplicate;
        long index = seq - Base - 1;
        EnsureCapacity(index);
        ref ulong word = ref _bits[index >> 6];
        ulong mask = 1UL << (int)(index & 63);
        if ((word & mask) != 0) return SeqArrival.Duplicate;
        word |= mask;
        if (seq < Highest) return SeqArrival.Late;
        Highest = seq;
        return SeqArrival.InOrder;
    }

    /// <summary>
    /// A gap frame: seqs <paramref name="from"/>..<paramref name="to"/> will never come, and the user was told. They
    /// are marked so they do not count as lost; returns how many of them had not arrived.
    /// </summary>
    public long Announce(long from, long to)
    {
        long announced = 0;
        for (long seq = Math.Max(from, Base + 1); seq <= to; seq++)
        {
            long index = seq - Base - 1;
            EnsureCapacity(index);
            ref ulong word = ref _bits[index >> 6];
            ulong mask = 1UL << (int)(index & 63);
            if ((word & mask) != 0) continue;
            word |= mask;
            announced++;
        }
        Highest = Math.Max(Highest, to);
        return announced;
    }

    /// <summary>
    /// Identify afresh after a lost session: seqs up to the new base that never came stay missing,
    /// and tracking continues from the new base.
    /// </summary>
    public long Rebase(long newBase)
    {
        long missing = MissingUpTo(newBase);
        SpannedBeforeRebase += Math.Max(0, newBase - Base);
        Base = newBase;
        Highest = Math.Max(Highest, newBase);
        _bits = new ulong[2];
        MissedBeforeRebase += missing;
        return missing;
    }

    /// <summary>Seqs lost in earlier sessions of this user (see <see cref="Rebase"/>).</summary>
    public long MissedBeforeRebase { get; private set; }

    /// <summary>
    /// Every seq the earlier sessions covered, received or missed: what the user was owed before each rebase. Its expected
    /// deliveries are these plus (Base, top]; counting only the missed ones would leave what it did receive then out.
    /// </summary>
    public long SpannedBeforeRebase { get; private set; }

    /// <summary>How many seqs in (Base, <paramref name="seq"/>] have not arrived.</summary>
    public long MissingUpTo(long seq)
    {
        if (seq <= Base) return 0;
        long count = seq - Base;
        long present = 0;
        var bits = _bits;
        long fullWords = Math.Min(count >> 6, bits.Length);
        for (long i = 0; i < fullWords; i++) present += BitOperations.PopCount(bits[i]);
        int rest = (int)(count & 63);
        if (rest > 0 && fullWords < bits.Length)
        {
            present += BitOperations.PopCount(bits[fullWords] & ((1UL << rest) - 1));
        }
        return count - present;
    }

    /// <summary>Every seq in (Base, <paramref name="seq"/>] that has not arrived.</summary>
    public IEnumerable<long> MissingSeqs(long seq)
    {
        for (long s = Base + 1; s <= seq; s++)
        {
            long index = s - Base - 1;
            long word = index >> 6;
            if (word >= _bits.Length || (_bits[word] & (1UL << (int)(index & 63))) == 0) yield return s;
        }
    }

    private void EnsureCapacity(long index)
    {
        long word = index >> 6;
        if (word < _bits.Length) return;
        long size = Math.Max(word + 1, _bits.Length * 2L);
        Array.Resize(ref _bits, (int)size);
    }
}

internal enum SeqArrival { InOrder, Late, Duplicate }
