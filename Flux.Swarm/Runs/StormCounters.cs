using Flux.Protocol.Auth;

namespace Flux.Swarm.Runs;

/// <summary>Run-wide event counts, updated with interlocked operations.</summary>
internal sealed class StormCounters
{
    public long Sent;
    public long SkippedSends;
    public long NotSent;
    public long Rejected;
    public long UnexpectedDisconnects;
    public long InjectedDisconnects;
    public long ShedDisconnects;
    /// <summary>Closes with 1013 (shed), by the user's tier (<see cref="Tier"/> as index).</summary>
    public readonly long[] ShedByTier = new long[3];
    public long ConnectFailures;
    public long Resumes;
    public long SessionsLost;
    public long GapsReported;
    public long ForeignMessages;
    /// <summary>Deliveries of visitors' messages (see <see cref="VisitorBook"/>): tracked by seq, counted nowhere else.</summary>
    public long VisitorDeliveries;
    public int Connected;

    /// <summary>The name <see cref="ReadAll"/> gives a tier's shed count.</summary>
    public static string ShedByTierName(Tier tier) => $"{nameof(ShedByTier)}.{tier.ToWire()}";

    /// <summary>
    /// Every count by name, as a shard's tally carries them and the report reads them back (summed over shards). A
    /// counter added to this class belongs here too, or a distributed storm drops it.
    /// </summary>
    public IEnumerable<(string Name, long Value)> ReadAll()
    {
        yield return (nameof(Sent), Interlocked.Read(ref Sent));
        yield return (nameof(SkippedSends), Interlocked.Read(ref SkippedSends));
        yield return (nameof(NotSent), Interlocked.Read(ref NotSent));
        yield return (nameof(Rejected), Interlocked.Read(ref Rejected));
        yield return (nameof(UnexpectedDisconnects), Interlocked.Read(ref UnexpectedDisconnects));
        yield return (nameof(InjectedDisconnects), Interlocked.Read(ref InjectedDisconnects));
        yield return (nameof(ShedDisconnects), Interlocked.Read(ref ShedDisconnects));
        yield return (nameof(ConnectFailures), Interlocked.Read(ref ConnectFailures));
        yield return (nameof(Resumes), Interlocked.Read(ref Resumes));
        yield return (nameof(SessionsLost), Interlocked.Read(ref SessionsLost));
        yield return (nameof(GapsReported), Interlocked.Read(ref GapsReported));
        yield return (nameof(ForeignMessages), Interlocked.Read(ref ForeignMessages));
        yield return (nameof(VisitorDeliveries), Interlocked.Read(ref VisitorDeliveries));
        foreach (var tier in new[] { Tier.Low, Tier.Normal, Tier.High })
        {
            yield return (ShedByTierName(tier), Interlocked.Read(ref ShedByTier[(int)tier]));
        }
    }
}
