using System.IO.Pipelines;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

/// <summary>
/// One client's WebSocket as a transport: framing on the connection's pipes (RFC 6455, server side), whole messages
/// in, the bounded send queue and the single writer that drains it out, and the close handshake. It knows sockets,
/// frames, buffers and shutdown, and nothing of identify, guilds or limits (that is <see cref="ClientSession"/>).
/// <para>
/// Every close, whoever asks for it, goes through <see cref="Close"/> and ends with a close frame written by the
/// writer. After that frame the transport keeps reading and discarding input until the client's own close frame
/// arrives or <see cref="GatewayOptions.CloseGraceMs"/> passes: closing a socket with unread input resets it, and a
/// client still sending would lose the close frame.
/// </para>
/// </summary>
internal sealed partial class ConnectionTransport
{
    /// <summary>Added to the close grace before a connection whose close never completes is aborted.</summary>
    private const int ClientCloseAckTimeoutMs = 5_000;

    private readonly Action _abort;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly GatewayOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectionSendQueue _queue;
    private readonly Action _onClosing;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _roomWaiter;
    private ITimer? _abortTimer;
    private int _closeRequested;
    private int _closeCode;
    private string _closeReason = "";
    private int _aborted;

    /// <param name="channel">The upgraded connection: its pipes, and how to reset it.</param>
    /// <param name="onClosing">Runs once when the connection starts closing, for whatever reason: the session leaves its guilds.</param>
    public ConnectionTransport(string id, ClientChannel channel, GatewayOptions options,
        GatewayMetrics metrics, TimeProvider time, ILogger logger, Action onClosing)
    {
        Id = id;
        _abort = channel.Abort;
        _input = channel.Input;
        _output = channel.Output;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _onClosing = onClosing;
        _queue = new ConnectionSendQueue(options.SendQueueMaxFrames, options.SendQueueMaxBytes, metrics);
    }

    public string Id { get; }

    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    public int QueuedFrames => _queue.Count;

    public long QueuedBytes => _queue.Bytes;

    /// <summary>An idle connection holds no queue array: called by the sweeper.</summary>
    public void TrimIdleQueue() => _queue.TrimIfEmpty();

    /// <summary>Queues a frame within the bounds and makes sure it gets written. Never waits.</summary>
    public EnqueueResult Enqueue(in OutboundFrame frame)
    {
        var result = _queue.TryEnqueue(frame);
        if (result == EnqueueResult.Enqueued) Flush();
        return result;
    }

    /// <summary>Queues a frame the gateway decided to send (a reply); overflow closes the connection with 4012.</summary>
    public void Send(ReadOnlyMemory<byte> frame)
    {
        if (Enqueue(new OutboundFrame(frame)) == EnqueueResult.Overflow) CloseAsSlowConsumer();
    }

    /// <summary>
    /// Answers a heartbeat. The ack is not queued: at most one is pending, and further heartbeats before it is
    /// written coalesce into it, so a client that sends heartbeats and never reads costs one ack, not one per heartbeat.
    /// </summary>
    public void SendHeartbeatAck()
    {
        if (IsClosing) return;
        if (Interlocked.Exchange(ref _ackPending, 1) == 0) Flush();
    }

    /// <summary>The client reads too slowly for its queue: close with 4012, discarding what is queued.</summary>
    public void CloseAsSlowConsumer()
    {
        if (IsClosing) return;
        Log.SlowConsumer(_logger, Id, _queue.Count, _queue.Bytes);
        Close(CloseCodes.SlowConsumer, "slow consumer: send queue full", flush: false);
    }

    /// <summary>
    /// Completes when the send queue holds at most half of both its bounds (or the connection closes): a replay
    /// sends its next frames then, following the client's reading speed. Signalled by the writer, not polled.
    /// </summary>
    public Task WhenQueueHalfEmptyAsync()
    {
        if (IsClosing || _queue.IsHalfEmpty) return Task.CompletedTask;
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _roomWaiter, waiter);
        // The writer may have drained the queue between the check and the write above.
        if (IsClosing || _queue.IsHalfEmpty) ReleaseRoomWaiter();
        return waiter.Task;
    }

    /// <summary>
    /// Closes the connection with a code. With <paramref name="flush"/> the queued frames go out first (drain);
    /// without it they are discarded. Safe from any thread; only the first call counts.
    /// </summary>
    public void Close(int code, string reason, bool flush)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0) return;
        _closeCode = code;
        _closeReason = reason;
        Log.ClosingConnection(_logger, Id, code, reason);
        _metrics.Closed(code);
        _onClosing();
        Volatile.Write(ref _ackPending, 0);
        Volatile.Write(ref _pongPending, 0);
        if (flush)
        {
            _queue.Complete();
        }
        else
        {
            _discardOnClose = true;
            _queue.Discard();
        }
        ReleaseRoomWaiter();
        // If the client never reads (or never acknowledges the close), the connection is aborted.
        int grace = (flush ? _options.DrainTimeoutMs : _options.SlowConsumerCloseGraceMs) + ClientCloseAckTimeoutMs;
        _abortTimer = _time.CreateTimer(static state => ((ConnectionTransport)state!).Abort(), this,
            TimeSpan.FromMilliseconds(grace), Timeout.InfiniteTimeSpan);
        Flush(); // the writer sends the close frame once the queue is empty
    }

    /// <summary>
    /// Ends the connection once its receive loop has stopped: waits for the writer's close frame, reads and discards
    /// input until the client's close arrives (or the grace passes), then completes both pipes, which closes the
    /// connection.
    /// </summary>
    public async Task CompleteAsync()
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            // The connection broke without a close handshake: nothing can be written any more.
            _metrics.Disconnected();
            _onClosing();
            _closeReceived = true; // no close frame will be written either
            _discardOnClose = true;
            _queue.Discard();
            ReleaseRoomWaiter();
            Flush();
        }
        await _writerDone.Task.ConfigureAwait(false);
        if (_closeSent && !_closeReceived && Volatile.Read(ref _aborted) == 0)
        {
            await DiscardUntilClientClosesAsync().ConfigureAwait(false);
        }
        _abortTimer?.Dispose();
        ReleaseMessageBuffer();
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Drops the connection at once (a reset): for a client that never completes its close.</summary>
    private void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0) return;
        _abort();
        _input.CancelPendingRead();
    }

    private void ReleaseRoomWaiter()
    {
        if (Volatile.Read(ref _roomWaiter) is { } waiter && Interlocked.CompareExchange(ref _roomWaiter, null, waiter) == waiter)
        {
            waiter.TrySetResult();
        }
    }
}

/// <summary>A whole client message in a pooled buffer; disposing returns the buffer.</summary>
internal readonly struct ReceivedMessage(byte[]? buffer, int length) : IDisposable
{
    public static readonly ReceivedMessage ClientClosed = new(null, -1);

    public bool IsClientClose => buffer is null;

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public void Dispose()
    {
        if (buffer is not null) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }
}
