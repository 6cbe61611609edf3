using Flux.Gateway.Connections;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;

namespace Flux.Gateway.Tests.Unit;

/// <summary>The per-connection queue is bounded by frames and bytes, for every frame; the fan-out is refused, never blocked.</summary>
public sealed class ConnectionSendQueueTests
{
    private readonly GatewayMetrics _counters = TestMetrics.Gateway();

    [Fact]
    public void A_frame_beyond_the_frame_bound_overflows_without_being_queued()
    {
        var queue = new ConnectionSendQueue(maxFrames: 2, maxBytes: 1_000, _counters);

        Assert.Equal(EnqueueResult.Enqueued, queue.TryEnqueue(Frame(10, tag: 1)));
        Assert.Equal(EnqueueResult.Enqueued, queue.TryEnqueue(Frame(10, tag: 2)));
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Frame(10, tag: 3)));

        Assert.Equal((2, 20L), (queue.Count, queue.Bytes));
        Assert.Equal((2L, 20L), (_counters.QueuedFrames, _counters.QueuedBytes));
        Assert.Equal([1, 2], DrainTags(queue));
    }

    [Fact]
    public void A_frame_beyond_the_byte_bound_overflows_and_a_smaller_one_still_fits()
    {
        var queue = new ConnectionSendQueue(maxFrames: 100, maxBytes: 25, _counters);

        Assert.Equal(EnqueueResult.Enqueued, queue.TryEnqueue(Frame(10, tag: 1)));
        Assert.Equal(EnqueueResult.Enqueued, queue.TryEnqueue(Frame(10, tag: 2)));
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Frame(10, tag: 3)));
        Assert.Equal(EnqueueResult.Enqueued, queue.TryEnqueue(Frame(5, tag: 4)));
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Frame(1, tag: 5)));

        Assert.Equal((3, 25L), (queue.Count, queue.Bytes));
        Assert.Equal([1, 2, 4], DrainTags(queue));
    }

    [Fact]
    public void Dequeuing_makes_room_again()
    {
        var queue = new ConnectionSendQueue(maxFrames: 1, maxBytes: 1_000, _counters);
        queue.TryEnqueue(Frame(10, tag: 1));
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Frame(10, tag: 2)));

        Assert.True(queue.TryDequeue(out _));

        Assert.Equal(EnqueueResult.Enqueued, queue.TryEnqueue(Frame(10, tag: 3)));
        Assert.Equal([3], DrainTags(queue));
    }

    [Fact]
    public void Concurrent_enqueues_never_exceed_the_frame_bound()
    {
        const int bound = 100;
        var queue = new ConnectionSendQueue(maxFrames: bound, maxBytes: long.MaxValue, _counters);
        int enqueued = 0;

        Parallel.For(0, 2_000, i =>
        {
            if (queue.TryEnqueue(Frame(8, tag: (byte)i)) == EnqueueResult.Enqueued) Interlocked.Increment(ref enqueued);
        });

        Assert.Equal(bound, enqueued);
        Assert.Equal(bound, queue.Count);
        Assert.Equal(bound * 8L, queue.Bytes);
        Assert.Equal(bound, DrainTags(queue).Count);
    }

    [Fact]
    public void Replies_count_against_the_same_bounds_as_the_fanout()
    {
        var queue = new ConnectionSendQueue(maxFrames: 1, maxBytes: 10, _counters);
        queue.TryEnqueue(Frame(10, tag: 1));

        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Frame(50, tag: 2)));

        Assert.Equal((1, 10L), (queue.Count, queue.Bytes));
        Assert.Equal((1L, 10L), (_counters.QueuedFrames, _counters.QueuedBytes));
    }

    [Theory]
    [InlineData(2, 25, true)]
    [InlineData(3, 10, false)]
    [InlineData(1, 60, false)]
    public void Half_empty_means_at_most_half_of_both_bounds(int frames, int bytesEach, bool halfEmpty)
    {
        var queue = new ConnectionSendQueue(maxFrames: 4, maxBytes: 100, _counters);
        for (int i = 0; i < frames; i++) queue.TryEnqueue(Frame(bytesEach, tag: 1));

        Assert.Equal(halfEmpty, queue.IsHalfEmpty);
    }

    [Fact]
    public void Complete_refuses_new_frames_but_queued_ones_can_still_be_read()
    {
        var queue = new ConnectionSendQueue(maxFrames: 10, maxBytes: 1_000, _counters);
        queue.TryEnqueue(Frame(10, tag: 1));
        queue.TryEnqueue(Frame(10, tag: 2));

        queue.Complete();

        Assert.True(queue.IsCompleted);
        Assert.Equal(EnqueueResult.Closed, queue.TryEnqueue(Frame(10, tag: 3)));
        Assert.False(queue.IsEmpty);
        Assert.Equal([1, 2], DrainTags(queue));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void Frames_come_out_in_the_order_they_were_queued()
    {
        var queue = new ConnectionSendQueue(maxFrames: 10, maxBytes: 1_000, _counters);
        queue.TryEnqueue(Frame(10, tag: 1));
        queue.TryEnqueue(Frame(10, tag: 2));
        queue.TryEnqueue(Frame(10, tag: 3));

        Assert.Equal([1, 2, 3], DrainTags(queue));
        Assert.Equal((0, 0L), (queue.Count, queue.Bytes));
    }

    [Fact]
    public void Discard_drops_every_queued_frame_and_reports_how_many()
    {
        var queue = new ConnectionSendQueue(maxFrames: 10, maxBytes: 1_000, _counters);
        queue.TryEnqueue(Frame(10, tag: 1));
        queue.TryEnqueue(Frame(20, tag: 2));
        queue.TryEnqueue(Frame(5, tag: 3));

        int dropped = queue.Discard();

        Assert.Equal(3, dropped);
        Assert.Equal((0, 0L), (queue.Count, queue.Bytes));
        Assert.Equal(3, _counters.DroppedFrames);
        Assert.Equal(EnqueueResult.Closed, queue.TryEnqueue(Frame(10, tag: 4)));
        Assert.False(queue.TryDequeue(out _));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void Discard_of_an_empty_queue_drops_nothing()
    {
        var queue = new ConnectionSendQueue(maxFrames: 10, maxBytes: 1_000, _counters);

        Assert.Equal(0, queue.Discard());
        Assert.Equal(0, _counters.DroppedFrames);
        Assert.True(queue.IsCompleted);
    }

    [Fact]
    public void Replica_totals_return_to_zero_once_every_queue_is_read_or_discarded()
    {
        var read = new ConnectionSendQueue(maxFrames: 10, maxBytes: 1_000, _counters);
        var discarded = new ConnectionSendQueue(maxFrames: 10, maxBytes: 1_000, _counters);
        read.TryEnqueue(Frame(10, tag: 1));
        read.TryEnqueue(Frame(7, tag: 2));
        read.TryEnqueue(Frame(990, tag: 3)); // overflows: must not count
        discarded.TryEnqueue(Frame(30, tag: 4));
        discarded.TryEnqueue(Frame(40, tag: 5));
        Assert.Equal((4L, 87L), (_counters.QueuedFrames, _counters.QueuedBytes));

        DrainTags(read);
        discarded.Discard();

        Assert.Equal((0L, 0L), (_counters.QueuedFrames, _counters.QueuedBytes));
        Assert.Equal(2, _counters.DroppedFrames);
    }

    private static OutboundFrame Frame(int length, byte tag)
    {
        var bytes = new byte[length];
        bytes[0] = tag;
        return new OutboundFrame(bytes);
    }

    private static List<byte> DrainTags(ConnectionSendQueue queue)
    {
        var tags = new List<byte>();
        while (queue.TryDequeue(out var frame)) tags.Add(frame.Bytes.Span[0]);
        return tags;
    }
}
