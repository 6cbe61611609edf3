namespace Flux.Swarm.Measurement;

/// <summary>
/// Why the sending thread ran late. It sleeps a millisecond between ticks; each wake-up that comes more than
/// <see cref="LateMicroseconds"/> after it should is counted, with how much of that time the runtime's collector had every
/// managed thread stopped (a GC pause stops the sender too, whatever its scheduling priority). What is late but not a
/// pause is the kernel's: the thread waited for a core, or the sleep overran. A tick that itself runs long (its sends
/// took that long) is counted apart. Written by the sending thread only, read after it has stopped.
/// </summary>
internal sealed class SenderLateness
{
    /// <summary>Lateness below this is the timer's ordinary slack, not counted.</summary>
    public const long LateMicroseconds = 5_000;

    private long _lateWakes;
    private long _lateUs;
    private long _lateInGcUs;
    private long _longestLateUs;
    private long _longTicks;
    private long _longTickUs;
    private long _longTickInGcUs;

    /// <summary>A wake-up <paramref name="overrunUs"/> after it was due, during which the collector paused the process <paramref name="gcPauseUs"/>.</summary>
    public void Woke(long overrunUs, long gcPauseUs)
    {
        if (overrunUs < LateMicroseconds) return;
        _lateWakes++;
        _lateUs += overrunUs;
        _lateInGcUs += Math.Min(overrunUs, gcPauseUs);
        _longestLateUs = Math.Max(_longestLateUs, overrunUs);
    }

    /// <summary>A tick that ran <paramref name="durationUs"/>, of which the collector paused the process <paramref name="gcPauseUs"/>.</summary>
    public void Ticked(long durationUs, long gcPauseUs)
    {
        if (durationUs < LateMicroseconds) return;
        _longTicks++;
        _longTickUs += durationUs;
        _longTickInGcUs += Math.Min(durationUs, gcPauseUs);
    }

    /// <summary>One sentence for the generator's assessment; empty when the thread was never late.</summary>
    public string Describe()
    {
        if (_lateWakes == 0 && _longTicks == 0) return "";
        long late = _lateUs + _longTickUs, inGc = _lateInGcUs + _longTickInGcUs;
        string ticks = _longTicks == 0 ? "" : $", and {_longTicks} ticks ran over {LateMicroseconds / 1000} ms ({_longTickUs / 1000.0:0} ms)";
        return $" The sending thread woke over {LateMicroseconds / 1000} ms late {_lateWakes} times ({_lateUs / 1000.0:0} ms in all, the longest " +
               $"{_longestLateUs / 1000.0:0.#} ms){ticks}; the swarm's own GC pauses were {inGc / 1000.0:0} ms of those {late / 1000.0:0} ms " +
               $"({(late > 0 ? 100.0 * inGc / late : 0):0} %), the rest waiting for a core.";
    }
}
