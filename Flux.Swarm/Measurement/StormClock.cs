namespace Flux.Swarm.Measurement;

/// <summary>
/// The one clock of a run, in microseconds since it started. Send times (the <c>ts</c> each message carries)
/// and receive times are both read from it, so latency needs no clock synchronisation within a process. The shards of
/// a distributed storm start their clocks at one agreed Unix time (see <see cref="AtUnixMicroseconds"/>), so a message
/// sent on one shard is measured on another against the same zero. It reads a <see cref="TimeProvider"/>'s monotonic
/// timestamp, so a test can drive it with a fake one.
/// </summary>
internal sealed class StormClock
{
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly double _microsecondsPerTick;

    /// <summary>A clock whose zero is now.</summary>
    public StormClock(TimeProvider? time = null)
        : this(time ?? TimeProvider.System, (time ?? TimeProvider.System).GetTimestamp())
    {
    }

    private StormClock(TimeProvider time, long start)
    {
        _time = time;
        _start = start;
        _microsecondsPerTick = 1e6 / time.TimestampFrequency;
    }

    /// <summary>
    /// A clock whose zero is the wall-clock time <paramref name="startUnixMicroseconds"/>: the wall clock is read once,
    /// to place the zero; from then on the clock runs on the monotonic timestamp, so a wall-clock step mid-run moves
    /// nothing. Before the zero it reads negative.
    /// </summary>
    public static StormClock AtUnixMicroseconds(long startUnixMicroseconds, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        long nowTicks = time.GetTimestamp();
        long untilStart = startUnixMicroseconds - UnixMicroseconds(time.GetUtcNow());
        return new StormClock(time, nowTicks + (long)(untilStart * (time.TimestampFrequency / 1e6)));
    }

    public static long UnixMicrosecondsNow() => UnixMicroseconds(DateTimeOffset.UtcNow);

    public long NowMicroseconds => (long)((_time.GetTimestamp() - _start) * _microsecondsPerTick);

    public double NowSeconds => NowMicroseconds / 1e6;

    private static long UnixMicroseconds(DateTimeOffset at) => (at.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
