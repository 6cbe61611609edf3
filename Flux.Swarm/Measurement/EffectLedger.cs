using System.Collections.Concurrent;

namespace Flux.Swarm.Measurement;

/// <summary>The kinds of thing that can go wrong in a run, as the report names them.</summary>
internal enum Effect
{
    /// <summary>An expected delivery that never arrived, and nobody was told.</summary>
    Lost,

    /// <summary>Deliveries a user missed but was told about: closed with 4007 (then identified afresh) or sent a gap.</summary>
    AnnouncedLoss,

    Duplicates,
    Reordered,

    /// <summary>Gap frames received.</summary>
    Gaps,

    /// <summary>Sends answered with an error frame.</summary>
    RejectedSends,

    /// <summary>Sends written just before the sender's connection was cut or dropped: they may never have reached a gateway.</summary>
    UnconfirmedSends,

    /// <summary>Attempts to connect that failed (refused, or the upgrade refused).</summary>
    ConnectFailures,

    /// <summary>Users still not connected and caught up when the run ended.</summary>
    UsersNotBack,

    /// <summary>
    /// Deliveries owed to a user still disconnected when the run ended: seqs above the highest it had received. Apart from
    /// <see cref="Lost"/> (a hole below what a user received), so a run that ends with users still away says so instead
    /// of reading as silent loss; never allowed either.
    /// </summary>
    OwedToUsersNotBack,

    /// <summary>Fuzzing clients closed with a code the protocol does not document, or dropped without a close frame.</summary>
    FuzzUndocumentedCloses,
}

internal static class EffectNames
{
    public static readonly Effect[] All = Enum.GetValues<Effect>();

    public static string ToReportName(this Effect effect) => effect switch
    {
        Effect.Lost => "lost",
        Effect.AnnouncedLoss => "announced_loss",
        Effect.Duplicates => "duplicates",
        Effect.Reordered => "reordered",
        Effect.Gaps => "gaps",
        Effect.RejectedSends => "rejected_sends",
        Effect.UnconfirmedSends => "unconfirmed_sends",
        Effect.ConnectFailures => "connect_failures",
        Effect.UsersNotBack => "users_not_back",
        Effect.OwedToUsersNotBack => "owed_to_users_not_back",
        Effect.FuzzUndocumentedCloses => "fuzz_undocumented_closes",
        _ => effect.ToString(),
    };
}

/// <summary>How a user's connection ended, as the report counts closes: a close code, or one of these.</summary>
internal static class CloseKinds
{
    /// <summary>The swarm cut the connection itself (the partition fault).</summary>
    public const string Cut = "cut";

    /// <summary>The connection ended without a close frame (a reset, or the gateway process died).</summary>
    public const string Dropped = "dropped";

    /// <summary>
    /// A fuzzing client whose input turned out valid (a mutation that kept the identify intact): the gateway said
    /// <c>ready</c> and rightly kept it open; the client then left.
    /// </summary>
    public const string Accepted = "accepted";

    /// <summary>A fuzzing connection the gateway neither closed nor accepted within the wait: the gateway hung on bad input.</summary>
    public const string NoClose = "no-close";

    /// <summary>A close code as the report keys it.</summary>
    public static string Of(int code) => code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An error frame's code, as the report keys rejected sends.</summary>
    public static string Rejected(string errorCode) => $"rejected:{errorCode}";
}

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

    /// <summary>Connection ends of users, of every fault, except the swarm's own cuts.</summary>
    public long UnplannedCloses => _closes.Where(c => c.Key.Close != CloseKinds.Cut).Sum(c => c.Value);

    public long PlannedCloses => _closes.Where(c => c.Key.Close == CloseKinds.Cut).Sum(c => c.Value);
}
