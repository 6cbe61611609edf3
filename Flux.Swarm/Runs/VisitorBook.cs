using System.Collections.Concurrent;
using System.Text;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Runs;

/// <summary>
/// The people who joined this run's guilds from the page (docs/protocol.md, "Visitors"). A visitor's user id is
/// <c>visitor-&lt;run id&gt;-&lt;8 hex&gt;</c>, so every shard of a distributed storm knows a visitor's message by its
/// <c>from</c> alone: it takes a seq in the guild like any other, and the swarm's users count it as foreign, never as
/// one of the swarm's own (which carry a sealed nonce). The coordinator also keeps the round trips the visitors'
/// browsers measured, for the report.
/// </summary>
internal sealed class VisitorBook(string runId)
{
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes(PrefixFor(runId));
    private readonly ConcurrentDictionary<string, string> _guildOf = new(StringComparer.Ordinal);
    private readonly LatencyHistogram _roundTrips = new();
    private long _echoes;

    /// <summary>What every visitor id of a run starts with: <c>visitor-&lt;run&gt;-</c> (or <c>visitor-lobby-</c>).</summary>
    public static string PrefixFor(string runOrLobby) => $"visitor-{runOrLobby}-";

    /// <summary>Passes issued for this run: a person who leaves and joins again counts twice.</summary>
    public int People => _guildOf.Count;

    public long Echoes => Interlocked.Read(ref _echoes);

    /// <summary>Whether a message's <c>from</c> is one of this run's visitors.</summary>
    public bool IsVisitor(ReadOnlySpan<byte> from) => from.StartsWith(_prefix) && from.Length > _prefix.Length;

    /// <summary>A pass was issued: <paramref name="user"/> may chat in <paramref name="guild"/>.</summary>
    public void Admit(string user, string guild) => _guildOf[user] = guild;

    /// <summary>One of a visitor's messages came back to it after <paramref name="roundTripMs"/>; false for someone not admitted.</summary>
    public bool RecordEcho(string user, double roundTripMs)
    {
        if (!_guildOf.ContainsKey(user) || !double.IsFinite(roundTripMs) || roundTripMs < 0) return false;
        _roundTrips.Record((long)Math.Round(roundTripMs * 1000));
        Interlocked.Increment(ref _echoes);
        return true;
    }

    /// <summary>Every round trip recorded so far.</summary>
    public LatencyStats RoundTrips
    {
        get
        {
            _roundTrips.TakeInterval();
            return _roundTrips.Cumulative;
        }
    }
}
