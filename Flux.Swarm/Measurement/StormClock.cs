using System.Diagnostics;

namespace Flux.Swarm.Measurement;

/// <summary>
/// The one clock of a run, in microseconds since it started. Send times (the <c>ts</c> each message carries)
/// and receive times are both read from it, so latency needs no clock synchronisation within a process. The shards of
/// a distributed storm start their clocks at one agreed Unix time (see <see cref="AtUnixMicroseconds"/>), so a message
/// sent on one shard is measured on another against the same zero.
/// </summary>
internal sealed class StormClock
{
    private readonly long _start;

    /// <summary>A clock whose zero is now.</summary>
    public StormClock() => _start = Stopwatch.GetTimestamp();

    private StormClock(long start) => _start = start;

    /// <summary>
    /// A clock whose zero is the wall-clock time <paramref name="startUnixMicroseconds"/>: the wall clock is read once,
    /// to place the zero; from then on the clock runs on the monotonic stopwatch, so a wall-clock step mid-run moves nothing.
    /// Before the zero it reads negative.
    /// </summary>
    public static StormClock AtUnixMicroseconds(long startUnixMicroseconds)
    {
        long nowTicks = Stopwatch.GetTimestamp();
        long untilStart = startUnixMicroseconds - UnixMicrosecondsNow();
        return new StormClock(nowTicks + (long)(untilStart * (Stopwatch.Frequency / 1e6)));
    }

    public static long UnixMicrosecondsNow() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public long NowMicroseconds => ToMicroseconds(Stopwatch.GetTimestamp() - _start);

    public double NowSeconds => NowMicroseconds / 1e6;

    public static long ToMicroseconds(long stopwatchTicks) => (long)(stopwatchTicks * (1e6 / Stopwatch.Frequency));
}
