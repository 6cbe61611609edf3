using Microsoft.Extensions.Options;

namespace Flux.Gateway.Connections;

/// <summary>
/// Measures how late this replica's deliveries reach their clients, end to end, for the shedding check. Each check
/// starts a round of probes: a ping queued behind the deliveries of up to <see cref="SheddingOptions.PathProbesPerCheck"/>
/// live connections (identified, with their ready or resumed) picked at random (see
/// <see cref="ConnectionTransport.TryStartProbe"/>). A round is read once it is <see cref="ReadAfter"/> old, and the path lag is its 75th percentile, a probe not answered by then counting as
/// its age: a lower bound, at least level 2's threshold, which is all the decision needs.
/// <para>
/// It sees what the fan-out lag cannot: frames waiting in send queues and sockets, and clients (or the machine they
/// run on) reading late. It is a percentile and not the worst, so that a few slow or silent clients, each holding back
/// its own probe, do not read as pressure on every connection: a quarter of the sampled clients must be late to move
/// it. With fewer than <see cref="MinSamples"/> probes read there is no path lag: a handful of connections is no load.
/// </para>
/// </summary>
internal sealed class PathProbe
{
    /// <summary>Probes a round needs for its percentile to mean anything.</summary>
    public const int MinSamples = 8;

    private const double Percentile = 0.75;

    /// <summary>A client that has not answered a probe is probed again only after this long.</summary>
    private static readonly TimeSpan RetryUnansweredAfter = TimeSpan.FromSeconds(5);

    private readonly ConnectionRegistry _registry;
    private readonly TimeProvider _time;
    private readonly int _perCheck;
    private readonly Queue<(long StartedAt, List<(ClientSession Session, long Id)> Probes)> _rounds = new();
    private readonly List<double> _values = [];
    private TimeSpan? _lastLag;

    public PathProbe(ConnectionRegistry registry, IOptions<GatewayOptions> options, TimeProvider time)
    {
        _registry = registry;
        _time = time;
        var shedding = options.Value.Shedding;
        _perCheck = shedding.PathProbesPerCheck;
        ReadAfter = TimeSpan.FromMilliseconds(Math.Max(shedding.CheckIntervalMs, shedding.Level2PathLagMs));
    }

    /// <summary>
    /// How old a round is when it is read: a check interval (the next check), or level 2's path threshold if that is
    /// longer, so that an unanswered probe always reads as past both thresholds.
    /// </summary>
    public TimeSpan ReadAfter { get; }

    // A little early still counts: the check's timer and the round's stamp are a tick apart.
    private TimeSpan Due => ReadAfter - TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Reads the rounds that are old enough, and starts the next. Returns the path lag of the latest round read (the
    /// last one again when none was due), or null without enough probes.
    /// </summary>
    public TimeSpan? Check()
    {
        if (_perCheck == 0) return null;
        while (_rounds.TryPeek(out var round) && _time.GetElapsedTime(round.StartedAt) >= Due)
        {
            _lastLag = Read(_rounds.Dequeue().Probes);
        }
        Start();
        return _lastLag;
    }

    private TimeSpan? Read(List<(ClientSession Session, long Id)> round)
    {
        _values.Clear();
        foreach (var (session, id) in round)
        {
            // A connection that closed, or was probed again, since: not a sample.
            if (session.ProbeRoundTrip(id) is { } roundTrip) _values.Add(roundTrip.TotalMilliseconds);
        }
        if (_values.Count < MinSamples) return null;
        _values.Sort();
        int index = (int)Math.Ceiling(Percentile * _values.Count) - 1;
        return TimeSpan.FromMilliseconds(_values[index]);
    }

    // A round is stamped before its probes start, so each of its probes is younger than the round: a connection in a
    // round not yet read is refused a new probe (it would replace the one the round reads).
    private void Start()
    {
        long startedAt = _time.GetTimestamp();
        var probes = new List<(ClientSession, long)>(_perCheck);
        foreach (var session in Pick())
        {
            if (session.TryStartProbe(Due, RetryUnansweredAfter, out long id)) probes.Add((session, id));
        }
        _rounds.Enqueue((startedAt, probes));
    }

    // Up to _perCheck live connections, uniformly at random (reservoir sampling, in one pass).
    private List<ClientSession> Pick()
    {
        var picked = new List<ClientSession>(_perCheck);
        int seen = 0;
        foreach (var session in _registry.Snapshot())
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
