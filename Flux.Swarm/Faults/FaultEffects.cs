namespace Flux.Swarm.Faults;

/// <summary>What went wrong during a run, counted per fault (index -1: while no fault was active).</summary>
internal sealed class FaultEffects(int faults)
{
    private readonly long[] _lost = new long[faults + 1];
    private readonly long[] _duplicates = new long[faults + 1];
    private readonly long[] _reordered = new long[faults + 1];
    private readonly long[] _unexpectedDisconnects = new long[faults + 1];

    public void Lost(int fault, long count) => Interlocked.Add(ref _lost[fault + 1], count);

    public void Duplicate(int fault) => Interlocked.Increment(ref _duplicates[fault + 1]);

    public void Reordered(int fault) => Interlocked.Increment(ref _reordered[fault + 1]);

    public void UnexpectedDisconnect(int fault) => Interlocked.Increment(ref _unexpectedDisconnects[fault + 1]);

    public (long Lost, long Duplicates, long Reordered, long UnexpectedDisconnects) For(int fault) =>
        (Volatile.Read(ref _lost[fault + 1]), Volatile.Read(ref _duplicates[fault + 1]),
         Volatile.Read(ref _reordered[fault + 1]), Volatile.Read(ref _unexpectedDisconnects[fault + 1]));
}
