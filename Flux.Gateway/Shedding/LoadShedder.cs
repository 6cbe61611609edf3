using Flux.Gateway.Telemetry;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Shedding;

/// <summary>
/// Decides how much of this replica's load to shed, from its pressure (bytes waiting in send queues, fan-out lag, and
/// path lag, the end-to-end wait its path probes measure): level 1 sheds <c>low</c> (its connections are closed with
/// 1013 and new ones refused), level 2 <c>normal</c> too.
/// <c>high</c> is never shed. It only decides; the connections act on it (<c>ConnectionShedder</c>, and identify). A level drops only after pressure has stayed below
/// <see cref="SheddingOptions.RecoverFraction"/> of its thresholds for <see cref="SheddingOptions.RecoverAfterMs"/>.
/// Queued bytes raise the level at once; fan-out lag only once it has held for <see cref="SheddingOptions.RaiseAfterMs"/>,
/// path lag for <see cref="SheddingOptions.PathLagRaiseAfterMs"/>. A level that has had <see cref="SheddingOptions.RaiseAfterMs"/>
/// to take effect while the fan-out lag (or, with <see cref="SheddingOptions.PathLagEscalates"/>, the path lag) stays at
/// its threshold was not enough, so the next level starts. A lag, fan-out or path, raises a level only while the replica has users of the tiers that level
/// keeps: late deliveries to <c>normal</c> users alone are no reason to shed them all. When a level falls, the tier it
/// shed is let back through a <see cref="Readmission"/> gate, at a rate that grows while the replica stays calm.
/// </summary>
internal sealed class LoadShedder(IOptions<GatewayOptions> options, TimeProvider time, ILogger<LoadShedder> logger)
{
    private readonly SheddingOptions _options = options.Value.Shedding;
    private volatile int _level;
    private volatile bool _auto = true;
    private volatile string _reason = "no pressure";
    private long _calmSince;
    private long _lagAbove1Since;
    private long _lagAbove2Since;
    private long _pathAbove1Since;
    private long _pathAbove2Since;
    private long _changedAt;
    private string? _closedReason;
    private string? _refusedReason;
    private readonly Readmission _readmitNormal = new();
    private readonly Readmission _readmitLow = new();
    private readonly GateSettings _gate = new(
        options.Value.Shedding.ReadmitInitialPerSecond,
        options.Value.Shedding.ReadmitOpenPerSecond,
        options.Value.Shedding.CheckIntervalMs / 1000.0,
        Math.Pow(2, options.Value.Shedding.CheckIntervalMs / 1000.0), // the rate doubles every second of calm
        // A gate limits at most half the resume window: a session waiting at it longer could not resume at all.
        (long)(options.Value.ResumeWindowSeconds / 2.0 * time.TimestampFrequency));
    private volatile bool _calmForNormal = true;
    private volatile bool _calmForLow = true;

    public int Level => _level;

    public bool IsAuto => _auto;

    public string Reason => _reason;

    /// <summary>
    /// How long a shed client is told to stay away at least (the <c>after N ms</c> of its 1013): a level falls only after
    /// <see cref="SheddingOptions.RecoverAfterMs"/> of calm, so coming back sooner is shed again. It is kept within two
    /// thirds of the resume window, so that a client that waits up to half as long again can still resume its session.
    /// </summary>
    public int RetryAfterMs { get; } = (int)Math.Min(options.Value.Shedding.RecoverAfterMs, options.Value.ResumeWindowSeconds * 2_000L / 3);

    /// <summary>The reason of the 1013 that closes an open connection of a shed tier (made once: the wait is fixed).</summary>
    public string ClosedReason => _closedReason ??= ShedReason.Closed(RetryAfterMs);

    /// <summary>The reason of the 1013 that refuses an identify or resume of a shed tier.</summary>
    public string RefusedReason => _refusedReason ??= ShedReason.Refused(RetryAfterMs);

    public bool Refuses(Tier tier) => tier switch
    {
        Tier.High => false,
        Tier.Normal => _level >= 2,
        _ => _level >= 1,
    };

    /// <summary>
    /// Whether an identify or resume of <paramref name="tier"/> may come in now: the level does not shed the tier, and
    /// the tier's readmission gate, if a level has just stopped shedding it, has room. Takes the gate's room: call it
    /// once per identify or resume.
    /// </summary>
    /// <remarks>
    /// A session shed by any replica (<paramref name="returningFromShed"/>) that comes back while this replica is not calm
    /// is refused, and the tier's gate starts here at the next check, when no falling level started it: its users were
    /// shed from another replica, and they come back here all at about the same moment. A calm replica admits it at once;
    /// so does one an operator runs (its level applies to everyone at once).
    /// </remarks>
    public bool Admits(Tier tier, bool returningFromShed = false)
    {
        if (Refuses(tier)) return false;
        if (tier == Tier.High || !_auto) return true;
        var gate = tier == Tier.Normal ? _readmitNormal : _readmitLow;
        if (gate.IsLimiting) return gate.TryAdmit();
        bool calm = tier == Tier.Normal ? _calmForNormal : _calmForLow;
        if (!returningFromShed || calm || !ReadmitsGradually) return true;
        gate.RequestStart();
        return false;
    }

    /// <summary>The admits per second each tier's readmission gate allows now; 0 when it does not limit.</summary>
    public (double Normal, double Low) ReadmitRates => (_readmitNormal.Rate, _readmitLow.Rate);

    /// <summary>Forces a level (0 to 2), or with <paramref name="auto"/> returns to measured shedding.</summary>
    public void Set(bool auto, int level)
    {
        _auto = auto;
        // What was measured before (or while forced) is stale: pressure must be seen anew to raise or escalate.
        _lagAbove1Since = 0;
        _lagAbove2Since = 0;
        _pathAbove1Since = 0;
        _pathAbove2Since = 0;
        Volatile.Write(ref _calmSince, 0);
        if (!auto)
        {
            ChangeLevel(Math.Clamp(level, 0, 2), "forced by an operator");
        }
        // An operator's level applies at once, to everyone it admits.
        _readmitNormal.Open();
        _readmitLow.Open();
    }

    /// <summary>
    /// True when the queued bytes would raise the level and one connection, holding <paramref name="heaviestBytes"/>,
    /// is the cause: it should be closed as a slow consumer instead of shedding a whole tier.
    /// </summary>
    public bool ShouldCloseHeaviest(long queuedBytes, long heaviestBytes)
    {
        if (!_auto || queuedBytes <= 0) return false;
        return LevelForBytes(queuedBytes) > _level && heaviestBytes >= queuedBytes * _options.SingleConnectionShare;
    }

    /// <summary>
    /// Re-evaluates the level from measured pressure; called every <see cref="SheddingOptions.CheckIntervalMs"/>.
    /// <paramref name="pathLag"/> is null when there were too few probes to measure it; <paramref name="tiers"/> are
    /// this replica's identified connections by tier (null: not counted, taken as every tier present).
    /// </summary>
    public void Evaluate(long queuedBytes, TimeSpan fanoutLag, TimeSpan? pathLag = null, (int High, int Normal, int Low)? tiers = null)
    {
        if (!_auto) return;
        double lagMs = fanoutLag.TotalMilliseconds;
        double? pathMs = pathLag?.TotalMilliseconds;
        EvaluateLevel(queuedBytes, lagMs, pathMs, tiers);
        // The gates let a tier back only while every pressure is below ReadmitBelowFraction of level 1's thresholds, and
        // a lag holds a tier back only where it could shed that tier: late deliveries to normal users alone keep no
        // normal user out (as they raise no level). Queued bytes hold any tier back (they are memory).
        var (high, normal, _) = tiers ?? (1, 1, 1);
        double below = _options.ReadmitBelowFraction;
        bool bytesCalm = queuedBytes < _options.Level1QueuedBytes * below;
        bool lagCalm = lagMs < _options.Level1FanoutLagMs * below && (pathMs is null || pathMs < _options.Level1PathLagMs * below);
        _calmForNormal = bytesCalm && (lagCalm || high == 0);
        _calmForLow = bytesCalm && (lagCalm || (high == 0 && normal == 0));
        long now = time.GetTimestamp();
        if (_readmitNormal.Check(_calmForNormal, now, _gate)) Log.ReadmissionOpen(logger, nameof(Tier.Normal));
        if (_readmitLow.Check(_calmForLow, now, _gate)) Log.ReadmissionOpen(logger, nameof(Tier.Low));
    }

    private void EvaluateLevel(long queuedBytes, double lagMs, double? pathMs, (int High, int Normal, int Low)? tiers)
    {
        var (high, normal, _) = tiers ?? (1, 1, 1);
        // Shedding a tier for lateness helps only the tiers it keeps: a lag (fan-out or path) never raises a level that
        // leaves no one here to serve. Shedding every user of a replica that has no higher tier serves nobody: on a
        // full machine both replicas did it, over and over, and a 10k storm lost every connection for a minute.
        // Queued bytes still raise any level: they are the replica's memory.
        int lagCap = high > 0 ? 2 : normal > 0 ? 1 : 0;
        int byLag = Math.Min(SustainedLagLevel(lagMs), lagCap);
        int byPath = Math.Min(SustainedPathLevel(pathMs), lagCap);
        int measured = Math.Max(LevelForBytes(queuedBytes), Math.Max(byLag, byPath));
        string pressure = $"queued {queuedBytes / 1024.0 / 1024.0:0.#} MB, fan-out lag {lagMs:0} ms"
            + (pathMs is { } path ? $", path lag {path:0} ms" : "");
        bool fanoutPersists = _lagAbove1Since != 0 && Held(Math.Max(_changedAt, _lagAbove1Since));
        bool pathPersists = _options.PathLagEscalates && _pathAbove1Since != 0 && Held(Math.Max(_changedAt, _pathAbove1Since));
        if (measured <= _level && _level == 1 && lagCap >= 2 && (fanoutPersists || pathPersists))
        {
            // Shedding low has had its time and the lag is still at level 1's threshold: normal goes too.
            measured = 2;
            pressure += $" after {_options.RaiseAfterMs} ms at level 1";
        }
        if (measured > _level)
        {
            Volatile.Write(ref _calmSince, 0);
            ChangeLevel(measured, pressure);
            return;
        }
        if (_level == 0) return;

        // Level 2 can come from level 1's lag threshold (escalation), so no level counts as calm until the lag is below
        // level 1's: otherwise level 2 would drop at a lag that escalates it again a second later.
        // A lag holds only a level it could have raised: above that, the queued bytes alone decide.
        bool lagCalm = _level > lagCap
            || (lagMs < _options.Level1FanoutLagMs * _options.RecoverFraction
                && (pathMs is null || pathMs < _options.Level1PathLagMs * _options.RecoverFraction));
        bool calm = queuedBytes < ThresholdBytes(_level) * _options.RecoverFraction && lagCalm;
        if (!calm)
        {
            Volatile.Write(ref _calmSince, 0);
            return;
        }
        long now = time.GetTimestamp();
        if (Volatile.Read(ref _calmSince) == 0)
        {
            Volatile.Write(ref _calmSince, now);
        }
        else if (time.GetElapsedTime(_calmSince, now).TotalMilliseconds >= _options.RecoverAfterMs)
        {
            Volatile.Write(ref _calmSince, 0);
            // The tier this level shed comes back through its gate; with no rate to open at, it comes back at once.
            var gate = _level == 2 ? _readmitNormal : _readmitLow;
            ChangeLevel(_level - 1, pressure);
            if (ReadmitsGradually) gate.RequestStart();
        }
    }

    private bool ReadmitsGradually => _options.ReadmitOpenPerSecond > _options.ReadmitInitialPerSecond;

    // The highest lag level whose threshold every check has reached for RaiseAfterMs (each level keeps its own count).
    private int SustainedLagLevel(double lagMs)
    {
        long now = time.GetTimestamp();
        _lagAbove1Since = lagMs >= _options.Level1FanoutLagMs ? (_lagAbove1Since == 0 ? now : _lagAbove1Since) : 0;
        _lagAbove2Since = lagMs >= _options.Level2FanoutLagMs ? (_lagAbove2Since == 0 ? now : _lagAbove2Since) : 0;
        return Held(_lagAbove2Since) ? 2 : Held(_lagAbove1Since) ? 1 : 0;
    }

    // The same for the path lag, held for PathLagRaiseAfterMs. No measurement (too few probes) is no pressure.
    private int SustainedPathLevel(double? pathMs)
    {
        long now = time.GetTimestamp();
        _pathAbove1Since = pathMs >= _options.Level1PathLagMs ? (_pathAbove1Since == 0 ? now : _pathAbove1Since) : 0;
        _pathAbove2Since = pathMs >= _options.Level2PathLagMs ? (_pathAbove2Since == 0 ? now : _pathAbove2Since) : 0;
        return Held(_pathAbove2Since, _options.PathLagRaiseAfterMs) ? 2 : Held(_pathAbove1Since, _options.PathLagRaiseAfterMs) ? 1 : 0;
    }

    // True when the lag has stayed at a threshold from this moment on (0: it is not there now) for RaiseAfterMs.
    private bool Held(long since) => Held(since, _options.RaiseAfterMs);

    private bool Held(long since, int forMs) => since != 0 && time.GetElapsedTime(since).TotalMilliseconds >= forMs;

    private int LevelForBytes(long queuedBytes) =>
        queuedBytes >= _options.Level2QueuedBytes ? 2 : queuedBytes >= _options.Level1QueuedBytes ? 1 : 0;

    private long ThresholdBytes(int level) => level >= 2 ? _options.Level2QueuedBytes : _options.Level1QueuedBytes;

    private void ChangeLevel(int level, string reason)
    {
        _reason = reason;
        if (_level == level) return;
        _level = level;
        _changedAt = time.GetTimestamp(); // any change, a drop too: escalation waits RaiseAfterMs from here
        Log.SheddingChanged(logger, level, reason);
    }
}
