using Flux.Gateway.Telemetry;

namespace Flux.Gateway.Admin;

/// <summary>
/// The storm's GC-pressure fault: allocates garbage at a rate for a while. A rolling window of the garbage is kept
/// alive for a second, so some of it survives into gen 1 and gen 2 and the collector does real work, as in a
/// service under memory pressure. One injection at a time; bounded in rate and duration.
/// </summary>
internal sealed class GcPressureInjector(TimeProvider time, ILogger<GcPressureInjector> logger)
{
    public const double MaxSeconds = 300;
    public const double MaxMegabytesPerSecond = 4_096;
    private const int ChunkBytes = 32 * 1024;
    private const int TickMs = 10;
    private int _running;

    public bool IsRunning => Volatile.Read(ref _running) != 0;

    /// <summary>Starts an injection; false if one is already running.</summary>
    public bool TryStart(double seconds, double megabytesPerSecond)
    {
        if (seconds is <= 0 or > MaxSeconds || megabytesPerSecond is <= 0 or > MaxMegabytesPerSecond)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), $"GC pressure takes 0 to {MaxSeconds} s and 0 to {MaxMegabytesPerSecond} MB/s");
        }
        if (Interlocked.Exchange(ref _running, 1) != 0) return false;
        Log.GcPressure(logger, megabytesPerSecond, seconds);
        // Its own thread, as a co-tenant's allocations would come from: on a thread-pool worker its sleeps would hold one
        // of the gateway's few workers (two on a 2-core machine) for the whole fault, which is a starved pool, not GC
        // pressure. (One page seed storm each way showed no clear change in the fault's window: docs/benchmarks.md.)
        new Thread(() => Run(seconds, megabytesPerSecond)) { IsBackground = true, Name = "flux-gc-pressure" }.Start();
        return true;
    }

    private void Run(double seconds, double megabytesPerSecond)
    {
        try
        {
            int chunksPerTick = Math.Max(1, (int)(megabytesPerSecond * 1024 * 1024 / ChunkBytes * TickMs / 1000));
            var survivors = new byte[1000 / TickMs * chunksPerTick][];
            int next = 0;
            long started = time.GetTimestamp();
            while (time.GetElapsedTime(started).TotalSeconds < seconds)
            {
                for (int i = 0; i < chunksPerTick; i++)
                {
                    var chunk = new byte[ChunkBytes];
                    chunk[0] = (byte)i;
                    survivors[next] = chunk;
                    next = (next + 1) % survivors.Length;
                }
                Thread.Sleep(TickMs);
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}
