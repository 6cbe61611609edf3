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
    /// <summary>Closes with 1013 (shed), by the user's tier (<see cref="Flux.Protocol.Auth.Tier"/> as index).</summary>
    public readonly long[] ShedByTier = new long[3];
    public long ConnectFailures;
    public long Resumes;
    public long SessionsLost;
    public long GapsReported;
    public long ForeignMessages;
    public int Connected;

    public static void Add(ref long counter) => Interlocked.Increment(ref counter);
}
