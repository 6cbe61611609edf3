namespace Flux.ServiceDefaults;

/// <summary>
/// How long work waits for a thread in this process. Every <see cref="Interval"/> a probe item is queued to the thread
/// pool's global queue, where socket completions wait too, and the time until it runs is kept: the largest since the
/// last <see cref="TakeMax"/>, counting a probe still waiting by its age.
/// <para>
/// A process short of CPU is late with everything it does (reading sockets, answering, writing), and every step of a
/// message's way through it pays that wait. The gateway shows it beside its fan-out lag; the swarm reports its own, so a
/// storm can tell when the load generator's receiving, not the system, made the latencies.
/// </para>
/// </summary>
public sealed class SchedulingProbe : IThreadPoolWorkItem, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private long _queuedAt; // the timestamp of the probe in flight, or 0
    private long _maxTicks;

    public SchedulingProbe(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _timer = _time.CreateTimer(static state => ((SchedulingProbe)state!).Probe(), this, Interval, Interval);
    }

    /// <summary>The longest wait since the last call, a probe still queued included.</summary>
    public TimeSpan TakeMax()
    {
        long max = Interlocked.Exchange(ref _maxTicks, 0);
        long queuedAt = Volatile.Read(ref _queuedAt);
        if (queuedAt != 0) max = Math.Max(max, _time.GetTimestamp() - queuedAt);
        return TimeSpan.FromSeconds(max / (double)_time.TimestampFrequency);
    }

    public void Dispose() => _timer.Dispose();

    private void Probe()
    {
        // One probe at a time: while one waits, its age is the measure.
        if (Interlocked.CompareExchange(ref _queuedAt, _time.GetTimestamp(), 0) != 0) return;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        InterlockedMax.Raise(ref _maxTicks, _time.GetTimestamp() - Interlocked.Exchange(ref _queuedAt, 0));
    }
}
