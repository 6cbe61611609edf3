using System.Diagnostics;

namespace Flux.Swarm.Measurement;

/// <summary>
/// The one clock of a run, in microseconds since it started. Send times (the <c>ts</c> each message carries)
/// and receive times are both read from it, so latency needs no clock synchronisation.
/// </summary>
internal sealed class StormClock
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public long NowMicroseconds => ToMicroseconds(Stopwatch.GetTimestamp() - _start);

    public double NowSeconds => NowMicroseconds / 1e6;

    public static long ToMicroseconds(long stopwatchTicks) => (long)(stopwatchTicks * (1e6 / Stopwatch.Frequency));
}
