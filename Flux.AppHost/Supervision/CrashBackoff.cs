namespace Flux.AppHost.Supervision;

/// <summary>What the supervisor does about one crash: start the gateway again after <see cref="Delay"/>, or give up.</summary>
internal readonly record struct RestartDecision(bool GiveUp, TimeSpan Delay, int CrashesInWindow);

/// <summary>
/// The restart policy of one gateway, as plain arithmetic over crash times (no clock, no threads; the supervisor
/// serialises calls). A crash is a process that ended with a failure, or a start command that failed.
/// </summary>
internal sealed class CrashBackoff(SupervisionOptions options)
{
    private readonly Queue<DateTimeOffset> _inWindow = new();
    private int _streak;

    /// <summary>A crash at <paramref name="at"/> after running for <paramref name="ranFor"/> (zero for a failed start).</summary>
    public RestartDecision Crashed(DateTimeOffset at, TimeSpan ranFor)
    {
        if (ranFor >= options.StableAfter) _streak = 0;
        _streak++;
        _inWindow.Enqueue(at);
        while (_inWindow.Peek() <= at - options.Window) _inWindow.Dequeue();
        if (_inWindow.Count >= options.MaxCrashes) return new RestartDecision(GiveUp: true, TimeSpan.Zero, _inWindow.Count);
        // FirstDelay * 2^(streak - 1), computed in doubles so a long streak saturates at MaxDelay instead of overflowing.
        double ticks = options.FirstDelay.Ticks * Math.Pow(2, _streak - 1);
        var delay = ticks >= options.MaxDelay.Ticks ? options.MaxDelay : TimeSpan.FromTicks((long)ticks);
        return new RestartDecision(GiveUp: false, delay, _inWindow.Count);
    }

    /// <summary>Someone started the gateway by hand: its history no longer counts.</summary>
    public void Reset()
    {
        _inWindow.Clear();
        _streak = 0;
    }
}
