using Microsoft.Extensions.Options;

namespace Flux.Gateway.Connections;

/// <summary>
/// Measures how late this replica's deliveries reach their clients, beyond each client's own network round trip, for
/// the shedding check. Each check starts a round: up to <see cref="SheddingOptions.PathProbesPerCheck"/> live
/// connections (identified, with their ready or resumed) picked at random each get a ping queued behind their
/// deliveries, or, if their last ping is still unanswered, are sampled again at its age (see
/// <see cref="ConnectionTransport.TryStartProbe"/>). A round is read <see cref="RoundChecks"/> checks after it started
/// (one, or enough for level 2's threshold to pass), and the path lag is the 75th percentile of its probes' delays, an
/// unanswered probe counting as its age: a lower bound, past level 2's threshold, which is all the decision needs.
/// <para>
/// It sees what the fan-out lag cannot: frames waiting in send queues and sockets, and clients (or the machine they
/// run on) reading late. It is a percentile and not the worst, so that a few slow or silent clients do not read as
/// pressure on every connection: a quarter of the sampled clients must be late to move it. With fewer than
/// <see cref="MinSamples"/> probes read there is no path lag: a handful of connections is no load.
/// </para>
/// </summary>
internal sealed class PathProbe
{
    /// <summary>Probes a round needs for its percentile to mean anything.</summary>
    public const int MinSamples = 8;

    private const double Percentile = 0.75;

    private readonly ConnectionRegistry _registry;
    private readonly int _perCheck;
    private readonly Queue<(long Check, List<(ClientSession Session, long Id)> Probes)> _rounds = new();
    private readonly List<double> _values = [];
    private long _check;

    public PathProbe(ConnectionRegistry registry, IOptions<GatewayOptions> options)
    {
        _registry = registry;
        var shedding = options.Value.Shedding;
        _perCheck = shedding.PathProbesPerCheck;
        RoundChecks = Math.Max(1, (int)Math.Ceiling(shedding.Level2PathLagMs / (double)shedding.CheckIntervalMs));
    }

    /// <summary>
    /// How many checks after it started a round is read: the next check, or as many as level 2's path threshold
    /// needs, so that an unanswered probe always reads as past it.
    /// </summary>
    public int RoundChecks { get; }

    /// <summary>Reads the round that is due and starts the next. Returns the path lag, or null without enough probes.</summary>
    public TimeSpan? Check()
    {
        if (_perCheck == 0) return null;
        _check++;
        TimeSpan? lag = null;
        if (_rounds.TryPeek(out var round) && _check - round.Check >= RoundChecks) lag = Read(_rounds.Dequeue().Probes);
        Start();
        return lag;
    }

    private TimeSpan? Read(List<(ClientSession Session, long Id)> round)
    {
        _values.Clear();
        foreach (var (session, id) in round)
        {
            // A connection that closed since, or that was probed anew: not a sample.
            if (session.ProbeDelay(id) is { } delay) _values.Add(delay.TotalMilliseconds);
        }
        if (_values.Count < MinSamples) return null;
        _values.Sort();
        int index = (int)Math.Ceiling(Percentile * _values.Count) - 1;
        return TimeSpan.FromMilliseconds(_values[index]);
    }

    private void Start()
    {
        var probes = new List<(ClientSession, long)>(_perCheck);
        foreach (var session in Pick())
        {
            if (session.TryStartProbe(_check, RoundChecks, out long id) != ProbeStart.Skipped) probes.Add((session, id));
        }
        _rounds.Enqueue((_check, probes));
    }

    // Up to _perCheck live connections, uniformly at random (reservoir sampling, in one pass, without a copy).
    private List<ClientSession> Pick()
    {
        var picked = new List<ClientSession>(_perCheck);
        int seen = 0;
        foreach (var session in _registry.Enumerate())
        {
            if (!session.IsLive) continue;
            seen++;
            if (picked.Count < _perCheck)
            {
                picked.Add(session);
            }
            else if (Random.Shared.Next(seen) is var slot && slot < _perCheck)
            {
                picked[slot] = session;
            }
        }
        return picked;
    }
}
