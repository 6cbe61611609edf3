using System.Collections.Concurrent;

namespace Flux.Gateway.Telemetry;

/// <summary>
/// Live totals of this replica that shedding, GetStats and the gauges read. Updated with interlocked operations
/// from the fan-out and writer paths.
/// </summary>
internal sealed class GatewayCounters
{
    private long _queuedBytes;
    private long _queuedFrames;
    private long _droppedFrames;
    private long _framesSent;
    private long _published;
    private long _maxFanoutLagTicks;
    private readonly ConcurrentDictionary<string, long> _closes = new();

    public long QueuedBytes => Volatile.Read(ref _queuedBytes);
    public long QueuedFrames => Volatile.Read(ref _queuedFrames);
    public long DroppedFrames => Volatile.Read(ref _droppedFrames);
    public long FramesSent => Volatile.Read(ref _framesSent);
    public long Published => Volatile.Read(ref _published);

    public void Enqueued(int bytes)
    {
        Interlocked.Add(ref _queuedBytes, bytes);
        Interlocked.Increment(ref _queuedFrames);
    }

    public void Dequeued(int bytes)
    {
        Interlocked.Add(ref _queuedBytes, -bytes);
        Interlocked.Decrement(ref _queuedFrames);
    }

    public void Dropped(int frames, long bytes)
    {
        Interlocked.Add(ref _droppedFrames, frames);
        Interlocked.Add(ref _queuedFrames, -frames);
        Interlocked.Add(ref _queuedBytes, -bytes);
    }

    public void Sent(int frames) => Interlocked.Add(ref _framesSent, frames);

    public void PublishedOne() => Interlocked.Increment(ref _published);

    public void Closed(string reason) => _closes.AddOrUpdate(reason, 1, static (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> ClosesByReason => _closes;

    /// <summary>Records how long a frame waited between Redis and the socket; keeps the maximum.</summary>
    public void FanoutLag(long elapsedTicks)
    {
        long current = Volatile.Read(ref _maxFanoutLagTicks);
        while (elapsedTicks > current)
        {
            long seen = Interlocked.CompareExchange(ref _maxFanoutLagTicks, elapsedTicks, current);
            if (seen == current) return;
            current = seen;
        }
    }

    /// <summary>The largest fan-out lag since the last call, in Stopwatch ticks.</summary>
    public long TakeMaxFanoutLag() => Interlocked.Exchange(ref _maxFanoutLagTicks, 0);
}
