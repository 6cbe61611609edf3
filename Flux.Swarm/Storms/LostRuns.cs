using Flux.Protocol.Agents;
using Flux.Swarm.Users;

namespace Flux.Swarm.Storms;

/// <summary>
/// Where the lost deliveries were: each user's missing seqs run by run (consecutive seqs are one run), with when the
/// first of them was sent and how the user's connection ended around then. The report lists the largest runs, so a
/// gateway that skipped part of a user's stream can be found from the report alone: which user, which seqs, and
/// whether a close, a resume or nothing at all came before the hole.
/// </summary>
internal sealed class LostRuns
{
    /// <summary>How many runs a shard's tally and the report keep: the largest, then the earliest.</summary>
    public const int Kept = 20;

    /// <summary>How many of a user's connection ends a run names (those nearest its send time).</summary>
    private const int EndsNamed = 3;

    // The smallest kept run on top, so a larger one replaces it.
    private readonly PriorityQueue<LostRun, (long Count, double NegativeAt)> _largest = new();

    private string? _user;
    private IReadOnlyList<ConnectionEnd> _ends = [];
    private string _guild = "";
    private long _first;
    private long _last;
    private double _sentAt;

    /// <summary>
    /// A seq user <paramref name="user"/> lost, sent at <paramref name="sentAtS"/> (-1: unknown); <paramref name="ends"/>
    /// are the user's connection ends. A user's seqs come together and in ascending order.
    /// </summary>
    public void Add(string user, IReadOnlyList<ConnectionEnd> ends, string guild, long seq, double sentAtS)
    {
        if (string.Equals(_user, user, StringComparison.Ordinal) && seq == _last + 1)
        {
            _last = seq;
            return;
        }
        Flush();
        (_user, _ends, _guild, _first, _last, _sentAt) = (user, ends, guild, seq, seq, sentAtS);
    }

    /// <summary>The largest runs, largest first (ties: the earliest first; a run whose send time is unknown counts as earliest).</summary>
    public IReadOnlyList<LostRun> Largest()
    {
        Flush();
        return [.. _largest.UnorderedItems.OrderByDescending(r => r.Priority.Count).ThenBy(r => -r.Priority.NegativeAt).Select(r => r.Element)];
    }

    private void Flush()
    {
        if (_user is not { } user) return;
        _user = null;
        long count = _last - _first + 1;
        var priority = (count, -_sentAt);
        if (_largest.Count == Kept)
        {
            if (!_largest.TryPeek(out _, out var smallest) || Comparer<(long, double)>.Default.Compare(priority, smallest) <= 0) return;
            _largest.Dequeue();
        }
        var run = new LostRun { User = user, Guild = _guild, FirstSeq = _first, LastSeq = _last, SentAtS = Math.Round(_sentAt, 3) };
        run.Ends.AddRange(NearestEnds(_ends, _sentAt));
        _largest.Enqueue(run, priority);
    }

    /// <summary>Merges shards' runs: the largest <see cref="Kept"/> of them all.</summary>
    public static List<LostRun> Merge(IEnumerable<LostRun> runs) =>
        [.. runs.OrderByDescending(r => r.LastSeq - r.FirstSeq).ThenBy(r => r.SentAtS).ThenBy(r => r.User, StringComparer.Ordinal)
            .ThenBy(r => r.FirstSeq).Take(Kept)];

    // "51.2 s close 1013, fault 2", the ends nearest the send time first; with no send time, the first ends.
    private static IEnumerable<string> NearestEnds(IReadOnlyList<ConnectionEnd> ends, double sentAtS) =>
        ends.OrderBy(e => sentAtS < 0 ? e.AtMicroseconds : Math.Abs(e.AtMicroseconds / 1e6 - sentAtS)).Take(EndsNamed)
            .Select(e => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{e.AtMicroseconds / 1e6:0.0} s {(e.CloseCode is { } code ? $"close {code}" : "no close (dropped or cut)")}{(e.Fault >= 0 ? $", fault {e.Fault}" : "")}"));
}
