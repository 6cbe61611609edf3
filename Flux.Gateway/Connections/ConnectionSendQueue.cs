using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;

namespace Flux.Gateway.Connections;

/// <summary>
/// A connection's bounded send queue, by frames and by bytes, for every frame the gateway sends it: fan-out and
/// replies alike. Nothing ever waits on it: a frame that would exceed either bound is refused with
/// <see cref="EnqueueResult.Overflow"/>, and the connection is closed as a slow consumer (4012).
/// Many threads enqueue; one writer at a time dequeues.
/// </summary>
internal sealed class ConnectionSendQueue(int maxFrames, long maxBytes, GatewayMetrics metrics)
{
    private readonly FrameRing _frames = new();
    private int _count;
    private long _bytes;
    private int _completed;

    public int Count => Volatile.Read(ref _count);

    public long Bytes => Volatile.Read(ref _bytes);

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public bool IsEmpty => _frames.Count == 0;

    /// <summary>At most half of both bounds is in use: a replay may queue its next chunk.</summary>
    public bool IsHalfEmpty => Count <= maxFrames / 2 && Bytes <= maxBytes / 2;

    public EnqueueResult TryEnqueue(in OutboundFrame frame)
    {
        if (IsCompleted) return EnqueueResult.Closed;
        int length = frame.Bytes.Length;
        int count = Interlocked.Increment(ref _count);
        long bytes = Interlocked.Add(ref _bytes, length);
        if (count > maxFrames || bytes > maxBytes)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Add(ref _bytes, -length);
            return EnqueueResult.Overflow;
        }
        _frames.Enqueue(frame);
        metrics.Enqueued(length);
        return EnqueueResult.Enqueued;
    }

    public bool TryDequeue(out OutboundFrame frame)
    {
        if (!_frames.TryDequeue(out frame)) return false;
        Interlocked.Decrement(ref _count);
        Interlocked.Add(ref _bytes, -frame.Bytes.Length);
        metrics.Dequeued(frame.Bytes.Length);
        return true;
    }

    /// <summary>Gives the queue's slots back if it is empty.</summary>
    public void TrimIfEmpty() => _frames.TrimIfEmpty();

    /// <summary>No more frames are accepted; those queued can still be read.</summary>
    public void Complete() => Volatile.Write(ref _completed, 1);

    /// <summary>Completes the queue and discards what it holds. Returns the number of frames discarded.</summary>
    public int Discard()
    {
        Complete();
        int dropped = 0;
        long bytes = 0;
        while (_frames.TryDequeue(out var frame))
        {
            dropped++;
            bytes += frame.Bytes.Length;
        }
        Interlocked.Add(ref _count, -dropped);
        Interlocked.Add(ref _bytes, -bytes);
        metrics.Dropped(dropped, bytes);
        return dropped;
    }
}
