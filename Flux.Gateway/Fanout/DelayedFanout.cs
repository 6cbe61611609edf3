namespace Flux.Gateway.Fanout;

/// <summary>
/// The latency fault, on this replica: for a while every message from the backplane is held for a fixed time before its
/// fan-out. A guild's messages are taken from its channel one at a time and in order, and each waits until its own
/// receive time plus the delay, so order and throughput are kept and each message is simply that much later.
/// </summary>
internal sealed class DelayedFanout(TimeProvider time)
{
    public const int MaxDelayMs = 10_000;
    public const double MaxSeconds = 300;

    private long _delayTicks;
    private long _untilTimestamp;

    /// <summary>Holds messages for <paramref name="delay"/> from now for <paramref name="seconds"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1 to <see cref="MaxDelayMs"/> ms, or 0 to <see cref="MaxSeconds"/> s.</exception>
    public void Start(TimeSpan delay, double seconds)
    {
        if (delay.TotalMilliseconds is < 1 or > MaxDelayMs || seconds is < 0 or > MaxSeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), $"a fan-out delay takes 1 to {MaxDelayMs} ms for 0 to {MaxSeconds} s");
        }
        Volatile.Write(ref _delayTicks, delay.Ticks);
        Volatile.Write(ref _untilTimestamp, time.GetTimestamp() + (long)(seconds * time.TimestampFrequency));
    }

    /// <summary>When a message received at <paramref name="receivedTimestamp"/> may be fanned out, or null: at once.</summary>
    public TimeSpan? HoldFor(long receivedTimestamp)
    {
        long until = Volatile.Read(ref _untilTimestamp);
        if (until == 0 || receivedTimestamp > until) return null;
        var remaining = TimeSpan.FromTicks(Volatile.Read(ref _delayTicks)) - time.GetElapsedTime(receivedTimestamp);
        return remaining > TimeSpan.Zero ? remaining : null;
    }
}
