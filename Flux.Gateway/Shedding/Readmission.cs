namespace Flux.Gateway.Shedding;

/// <summary>
/// Lets a tier that a falling level stops shedding back in at a rate, not all at once. Every user of a shed tier comes
/// back at about the same moment, each with a resume that replays what it missed: measured under overload, that
/// replay raised the level again within a second, over and over. So the tier is admitted at a rate that starts low and
/// doubles every second the replica stays calm; the gate opens once the rate passes the open rate, or once it has
/// limited for its longest time (sessions must not outlive their resume window waiting at it). At each check that is
/// not calm nobody of the tier is admitted and the rate halves (not below the initial one).
/// </summary>
/// <remarks>
/// One writer: only the shedding check (<see cref="Check"/>, on one timer) starts, moves and opens the gate. Identify
/// threads take admissions (<see cref="TryAdmit"/>) and may ask for a start (<see cref="RequestStart"/>), which the next
/// check carries out. <see cref="Open"/> (an operator's level) may come from any thread; the next check honours it.
/// </remarks>
internal sealed class Readmission
{
    private volatile bool _open = true;
    private volatile bool _openRequested;
    private int _startRequested;
    private double _rate; // admits a second; the check's alone
    private double _credit; // fractions of an admission carried to the next check
    private long _startedAt;
    private int _tokens;

    /// <summary>True while the gate limits this tier.</summary>
    public bool IsLimiting => !_open;

    /// <summary>Admits per second the gate allows now (0 when it is open: no limit).</summary>
    public double Rate => _open ? 0 : Volatile.Read(ref _rate);

    /// <summary>Takes one admission; false when the gate refuses it. Any thread.</summary>
    public bool TryAdmit() => _open || Interlocked.Decrement(ref _tokens) >= 0;

    /// <summary>Asks the next check to start the gate (if it is open then). Any thread.</summary>
    public void RequestStart() => Volatile.Write(ref _startRequested, 1);

    /// <summary>No limit, now and at the next check (an operator's level applies to everyone at once). Any thread.</summary>
    public void Open()
    {
        _openRequested = true;
        _open = true;
    }

    /// <summary>
    /// At each check (one thread): carries out a requested start or open, then, while calm, hands out this interval's
    /// admissions and grows the rate by <paramref name="growthPerCheck"/>; otherwise hands out none and halves the rate.
    /// Returns true when the gate has just opened by itself (its rate, or its time, is up).
    /// </summary>
    public bool Check(bool calm, long now, GateSettings settings)
    {
        bool startRequested = Interlocked.Exchange(ref _startRequested, 0) == 1;
        if (_openRequested)
        {
            _openRequested = false;
            _open = true;
            return false;
        }
        if (startRequested && _open) Start(now, settings.InitialPerSecond);
        if (_open) return false;
        if (now - _startedAt >= settings.LongestTicks || _rate >= settings.OpenPerSecond)
        {
            _open = true;
            return true;
        }
        if (!calm)
        {
            Volatile.Write(ref _rate, Math.Max(settings.InitialPerSecond, _rate / 2));
            _credit = 0;
            Volatile.Write(ref _tokens, 0);
            return false;
        }
        _credit += _rate * settings.IntervalSeconds;
        int admissions = (int)_credit;
        _credit -= admissions;
        Volatile.Write(ref _tokens, admissions);
        Volatile.Write(ref _rate, _rate * settings.GrowthPerCheck);
        return false;
    }

    // The level that shed this tier has fallen, or its shed sessions come back to a replica that is not calm.
    private void Start(long now, double initialPerSecond)
    {
        Volatile.Write(ref _rate, initialPerSecond);
        _credit = 0;
        _startedAt = now;
        Volatile.Write(ref _tokens, 0);
        _open = false;
    }
}

/// <summary>How a <see cref="Readmission"/> gate moves, from the shedding options, in the check's terms.</summary>
/// <param name="InitialPerSecond">The rate a gate starts at.</param>
/// <param name="OpenPerSecond">The rate at which it opens.</param>
/// <param name="IntervalSeconds">The check interval.</param>
/// <param name="GrowthPerCheck">The rate's growth at each calm check.</param>
/// <param name="LongestTicks">The longest a gate limits, in <see cref="TimeProvider"/> timestamp ticks.</param>
internal readonly record struct GateSettings(double InitialPerSecond, double OpenPerSecond, double IntervalSeconds, double GrowthPerCheck, long LongestTicks);
