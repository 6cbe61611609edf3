namespace Flux.Gateway.Shedding;

/// <summary>
/// How long work waits for a thread on this replica. Every <see cref="Interval"/> a probe item is queued to the thread
/// pool's global queue, where socket completions wait too, and the time until it runs is kept: the largest since the
/// last <see cref="TakeMax"/>, counting a probe still waiting by its age.
/// <para>
/// A replica short of CPU is late with everything: reading clients' frames, the publish replies, the fan-out and the
/// writes. The fan-out lag sees only the part between a publish and the send queues; this sees the wait every one of
/// those steps pays, so it rises as soon as the replica runs out of CPU (docs/benchmarks.md, "Overload").
/// </para>
/// </summary>
internal sealed class SchedulingProbe(TimeProvider time) : BackgroundService, IThreadPoolWorkItem
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private long _queuedAt; // the timestamp of the probe in flight, or 0
    private long _maxTicks;

    /// <summary>The longest wait since the last call, a probe still queued included.</summary>
    public TimeSpan TakeMax()
    {
        long max = Interlocked.Exchange(ref _maxTicks, 0);
        long queuedAt = Volatile.Read(ref _queuedAt);
        if (queuedAt != 0) max = Math.Max(max, time.GetTimestamp() - queuedAt);
        return TimeSpan.FromSeconds(max / (double)time.TimestampFrequency);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            // One probe at a time: while one waits, its age is the measure.
            if (Interlocked.CompareExchange(ref _queuedAt, time.GetTimestamp(), 0) != 0) continue;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        long waited = time.GetTimestamp() - Interlocked.Exchange(ref _queuedAt, 0);
        long current = Volatile.Read(ref _maxTicks);
        while (waited > current)
        {
            long seen = Interlocked.CompareExchange(ref _maxTicks, waited, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
