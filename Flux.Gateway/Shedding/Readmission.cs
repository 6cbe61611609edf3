namespace Flux.Gateway.Shedding;

/// <summary>
/// Lets a tier that a falling level stops shedding back in at a rate, not all at once. Every user of a shed tier comes
/// back at about the same moment, each with a resume that replays what it missed: measured under overload, that
/// replay raised the level again within a second, over and over, and cost the high tier its SLA. So after a level falls
/// its tier is admitted at <see cref="SheddingOptions.ReadmitInitialPerSecond"/>, a rate that doubles every second the
/// replica stays calm, and the gate opens once the rate passes <see cref="SheddingOptions.ReadmitOpenPerSecond"/>. While
/// the replica is not calm nobody of the tier is admitted and the rate halves. An identify or resume the gate refuses is
/// closed with 1013, as if the level still shed it. Only the check (one thread) moves the rate; identifies take tokens.
/// </summary>
internal sealed class Readmission
{
    private volatile bool _open = true;
    private double _rate;
    private int _tokens;

    /// <summary>True while the gate limits this tier.</summary>
    public bool IsLimiting => !_open;

    /// <summary>Admits per second the gate allows now (0 when it is open: no limit).</summary>
    public double Rate => _open ? 0 : _rate;

    /// <summary>Takes one admission; false when the gate refuses it. Any thread.</summary>
    public bool TryAdmit() => _open || Interlocked.Decrement(ref _tokens) >= 0;

    /// <summary>The level that shed this tier has fallen: admit it again from the initial rate.</summary>
    public void Start(double initialPerSecond)
    {
        _rate = initialPerSecond;
        Volatile.Write(ref _tokens, 0);
        _open = false;
    }

    /// <summary>No limit: the tier is shed again (the level refuses it first), or an operator set the level.</summary>
    public void Open() => _open = true;

    /// <summary>
    /// At each check: while calm, the rate grows by <paramref name="growthPerCheck"/> and this interval's admissions
    /// are handed out; otherwise none are, and the rate halves (not below the initial one). Returns true when the gate
    /// has just opened.
    /// </summary>
    public bool Check(bool calm, double intervalSeconds, double growthPerCheck, double initialPerSecond, double openPerSecond)
    {
        if (_open) return false;
        if (!calm)
        {
            _rate = Math.Max(initialPerSecond, _rate / 2);
            Volatile.Write(ref _tokens, 0);
            return false;
        }
        Volatile.Write(ref _tokens, (int)Math.Ceiling(_rate * intervalSeconds));
        _rate *= growthPerCheck;
        if (_rate < openPerSecond) return false;
        _open = true;
        return true;
    }
}
