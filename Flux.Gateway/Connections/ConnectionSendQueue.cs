using System.Threading.Channels;
using Flux.Gateway.Telemetry;

namespace Flux.Gateway.Connections;

/// <summary>
/// A connection's bounded send queue, by frames and by bytes. The fan-out never waits on it: when a frame
/// would exceed either bound, <see cref="TryEnqueue"/> refuses it and reports <see cref="EnqueueResult.Overflow"/>,
/// and the connection is closed as a slow consumer (4012). One writer loop drains it in batches.
/// </summary>
internal sealed class ConnectionSendQueue(int maxFrames, long maxBytes, GatewayCounters counters)
{
    private readonly Channel<OutboundFrame> _frames = Channel.CreateUnbounded<OutboundFrame>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });
    private int _count;
    private long _bytes;
    private int _completed;

    public int Count => Volatile.Read(ref _count);
    public long Bytes => Volatile.Read(ref _bytes);
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public EnqueueResult TryEnqueue(OutboundFrame frame)
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
        if (!_frames.Writer.TryWrite(frame))
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Add(ref _bytes, -length);
            return EnqueueResult.Closed;
        }
        counters.Enqueued(length);
        return EnqueueResult.Enqueued;
    }

    /// <summary>Queues a frame regardless of the bounds: for the few control frames the gateway itself decides to send.</summary>
    public bool EnqueueControl(ReadOnlyMemory<byte> frame)
    {
        if (IsCompleted || !_frames.Writer.TryWrite(new OutboundFrame(frame))) return false;
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _bytes, frame.Length);
        counters.Enqueued(frame.Length);
        return true;
    }

    /// <summary>Waits until a frame is queued; false once the queue is completed and empty.</summary>
    public ValueTask<bool> WaitToReadAsync() => _frames.Reader.WaitToReadAsync();

    public bool TryDequeue(out OutboundFrame frame)
    {
        if (!_frames.Reader.TryRead(out frame)) return false;
        Interlocked.Decrement(ref _count);
        Interlocked.Add(ref _bytes, -frame.Bytes.Length);
        counters.Dequeued(frame.Bytes.Length);
        return true;
    }

    /// <summary>No more frames are accepted; those queued can still be read.</summary>
    public void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _frames.Writer.TryComplete();
        }
    }

    /// <summary>Completes the queue and discards what it holds. Returns the number of frames discarded.</summary>
    public int Discard()
    {
        Complete();
        int dropped = 0;
        long bytes = 0;
        while (_frames.Reader.TryRead(out var frame))
        {
            dropped++;
            bytes += frame.Bytes.Length;
        }
        Interlocked.Add(ref _count, -dropped);
        Interlocked.Add(ref _bytes, -bytes);
        counters.Dropped(dropped, bytes);
        return dropped;
    }
}

internal enum EnqueueResult { Enqueued, Overflow, Closed }
