using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

/// <summary>
/// One client's WebSocket as a transport: reading whole messages, the bounded send queue, the single writer that
/// drains it, and the close handshake. It knows sockets, buffers and shutdown, and nothing of identify, guilds or
/// limits (that is <see cref="ClientSession"/>).
/// <para>
/// Every close, whoever asks for it, goes through <see cref="Close"/> and ends with a close frame written by the
/// writer. After that frame the transport keeps reading and discarding input until the client's own close frame
/// arrives or <see cref="GatewayOptions.CloseGraceMs"/> passes: closing a socket with unread input resets it, and a
/// client still sending would lose the close frame.
/// </para>
/// </summary>
internal sealed partial class ConnectionTransport
{
    /// <summary>Added to the close grace before a socket whose close never completes is aborted.</summary>
    private const int ClientCloseAckTimeoutMs = 5_000;
    private const int DiscardBufferBytes = 4 * 1024;
    private const int MaxCloseReasonBytes = 123;

    private readonly WebSocket _socket;
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

    /// <param name="onClosing">Runs once when the connection starts closing, for whatever reason: the session leaves its guilds.</param>
    public ConnectionTransport(string id, WebSocket socket, GatewayOptions options, GatewayMetrics metrics, TimeProvider time, ILogger logger, Action onClosing)
    {
        Id = id;
        _socket = socket;
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

    /// <summary>The close code the client sent, once it has.</summary>
    public int? ClientCloseStatus => (int?)_socket.CloseStatus;

    /// <summary>
    /// Reads the next whole message into a pooled buffer (the caller disposes it). Returns
    /// <see cref="ReceivedMessage.ClientClosed"/> when the client sent a close frame instead.
    /// </summary>
    /// <exception cref="ProtocolViolationException">The message is binary, empty, too large, or in too many fragments.</exception>
    public async ValueTask<ReceivedMessage> ReceiveAsync()
    {
        // A zero-byte read waits for data without holding a buffer, so idle connections cost no receive memory.
        var peek = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
        if (peek.MessageType == WebSocketMessageType.Close) return ReceivedMessage.ClientClosed;
        if (peek.MessageType == WebSocketMessageType.Binary)
        {
            throw new ProtocolViolationException(CloseCodes.Undecodable, "binary frames are not part of the protocol; send UTF-8 JSON text");
        }
        // The zero-byte read consumed a final frame with no payload: the whole message was empty.
        if (peek.EndOfMessage) throw new ProtocolViolationException(CloseCodes.Undecodable, "empty message; a frame must be a JSON object");

        int limit = _options.MaxClientFrameBytes;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            int length = 0;
            for (int fragments = 1; ; fragments++)
            {
                if (length == limit) throw new ProtocolViolationException(CloseCodes.FrameTooLarge, $"frame larger than {limit} bytes");
                if (fragments > _options.MaxFragmentsPerMessage)
                {
                    throw new ProtocolViolationException(CloseCodes.FrameTooLarge, $"message in more than {_options.MaxFragmentsPerMessage} fragments");
                }
                var result = await _socket.ReceiveAsync(buffer.AsMemory(length, limit - length), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return ReceivedMessage.ClientClosed;
                }
                length += result.Count;
                if (result.EndOfMessage)
                {
                    _metrics.FrameReceived();
                    return new ReceivedMessage(buffer, length);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Queues a frame within the bounds and makes sure it gets written. Never waits.</summary>
    public EnqueueResult Enqueue(in OutboundFrame frame)
    {
        var result = _queue.TryEnqueue(frame);
        if (result == EnqueueResult.Enqueued) Flush();
        return result;
    }

    /// <summary>Queues a frame the gateway decided to send (a reply, a replayed message); overflow closes with 4012.</summary>
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
    /// sends its next chunk then, following the client's reading speed. Signalled by the writer, not polled.
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
        // If the client never reads (or never acknowledges the close), the socket is aborted.
        int grace = (flush ? _options.DrainTimeoutMs : _options.SlowConsumerCloseGraceMs) + ClientCloseAckTimeoutMs;
        _abortTimer = _time.CreateTimer(static state => ((ConnectionTransport)state!).AbortIfOpen(), this,
            TimeSpan.FromMilliseconds(grace), Timeout.InfiniteTimeSpan);
        Flush(); // the writer sends the close frame once the queue is empty
    }

    /// <summary>
    /// Ends the connection once its receive loop has stopped: waits for the writer's close frame, reads and discards
    /// input until the client's close arrives (or the grace passes), then disposes the socket.
    /// </summary>
    public async Task CompleteAsync()
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            // The socket broke without a close handshake: nothing can be written any more.
            _metrics.Disconnected();
            _onClosing();
            _discardOnClose = true;
            _queue.Discard();
            ReleaseRoomWaiter();
            Flush();
        }
        await _writerDone.Task.ConfigureAwait(false);
        if (_socket.State == WebSocketState.CloseSent) await DiscardUntilClientClosesAsync().ConfigureAwait(false);
        _abortTimer?.Dispose();
        _socket.Dispose();
    }

    private async Task DiscardUntilClientClosesAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(DiscardBufferBytes);
        using var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(_options.CloseGraceMs), _time);
        try
        {
            while ((await _socket.ReceiveAsync(buffer.AsMemory(), grace.Token).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away, or kept sending past the grace: the socket closes now either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void AbortIfOpen()
    {
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted)) _socket.Abort();
    }

    private void ReleaseRoomWaiter()
    {
        if (Volatile.Read(ref _roomWaiter) is { } waiter && Interlocked.CompareExchange(ref _roomWaiter, null, waiter) == waiter)
        {
            waiter.TrySetResult();
        }
    }

    // A close frame's reason must fit in 123 bytes of UTF-8; cut on a character boundary.
    private static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes) return reason;
        int length = reason.Length;
        while (length > 0 && Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxCloseReasonBytes - 3) length--;
        if (length > 0 && char.IsHighSurrogate(reason[length - 1])) length--;
        return reason[..length] + "...";
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
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
