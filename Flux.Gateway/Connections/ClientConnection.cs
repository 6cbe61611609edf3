using System.Buffers;
using System.Net.WebSockets;
using Flux.Gateway.Auth;
using Flux.Gateway.Fanout;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

/// <summary>
/// One client's WebSocket. A receive loop reads and handles frames one at a time; a writer loop is the only
/// code that writes to the socket, draining the bounded send queue. Every close, whoever asks for it, goes
/// through <see cref="RequestClose"/> and ends with a close frame from the writer loop (or an abort).
/// </summary>
internal sealed partial class ClientConnection : IGuildRecipient
{
    private const int ClientCloseAckTimeoutMs = 5_000;

    private readonly WebSocket _socket;
    private readonly GatewayServices _services;
    private readonly GatewayOptions _options;
    private readonly ConnectionSendQueue _queue;
    private readonly long _openedAt;
    private readonly Lock _membershipGate = new();
    private readonly Dictionary<string, GuildMember> _members = new(StringComparer.Ordinal);
    private bool _membershipClosed;
    private long _lastHeartbeat;
    private int _closeRequested;
    private int _closeCode;
    private string _closeReason = "";

    public ClientConnection(WebSocket socket, GatewayServices services)
    {
        _socket = socket;
        _services = services;
        _options = services.Options;
        _queue = new ConnectionSendQueue(_options.SendQueueMaxFrames, _options.SendQueueMaxBytes, services.Counters);
        _openedAt = services.Time.GetTimestamp();
        Id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
    }

    public string Id { get; }

    public GatewayIdentity? Identity { get; private set; }

    public bool IsIdentified => Identity is not null;

    public Tier Tier => Identity?.Tier ?? Tier.Normal;

    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    public int QueuedFrames => _queue.Count;

    public long QueuedBytes => _queue.Bytes;

    public async Task RunAsync()
    {
        _services.Registry.Add(this);
        Send(ServerFrameWriter.Hello(_options.HeartbeatIntervalMs));
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (ProtocolViolationException ex)
        {
            Log.ProtocolViolation(_services.Logger, Id, ex.CloseCode, ex.Message);
            RequestClose(ex.CloseCode, ex.Message, flush: false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away or was aborted; nothing to tell it.
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(_services.Logger, Id, ex);
            RequestClose(CloseCodes.InternalError, "internal error", flush: false);
        }
        finally
        {
            await FinishAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes the connection with a code. With <paramref name="flush"/> the queued frames go out first (drain);
    /// without it they are discarded. Leaves every guild at once, so nothing more is queued. Safe from any thread.
    /// </summary>
    public void RequestClose(int code, string reason, bool flush)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0) return;
        _closeCode = code;
        _closeReason = reason;
        Log.ClosingConnection(_services.Logger, Id, code, reason);
        _services.Metrics.Closed(code);
        _services.Counters.Closed(CloseCodes.Name(code));
        LeaveGuilds();
        if (flush)
        {
            _queue.Complete();
        }
        else
        {
            _discardOnClose = true;
            _queue.Discard();
        }
        Flush(); // the writer sends the close frame once the queue is empty
        // If the client never reads (or never acknowledges the close), the socket is aborted.
        int grace = (flush ? _options.DrainTimeoutMs : _options.SlowConsumerCloseGraceMs) + ClientCloseAckTimeoutMs;
        _ = AbortAfterAsync(grace);
    }

    /// <summary>Closes for an identify timeout or missed heartbeats; called by the sweeper about once a second.</summary>
    public void CheckTimers(long now)
    {
        if (IsClosing) return;
        var time = _services.Time;
        if (!IsIdentified)
        {
            if (time.GetElapsedTime(_openedAt, now).TotalMilliseconds > _options.IdentifyTimeoutMs)
            {
                RequestClose(CloseCodes.NotAuthenticated, "no identify or resume in time", flush: false);
            }
        }
        else if (time.GetElapsedTime(Volatile.Read(ref _lastHeartbeat), now).TotalMilliseconds > 2.0 * _options.HeartbeatIntervalMs)
        {
            RequestClose(CloseCodes.HeartbeatTimeout, "missed two heartbeat intervals", flush: false);
        }
    }

    EnqueueResult IGuildRecipient.Deliver(in OutboundFrame frame)
    {
        var result = _queue.TryEnqueue(frame);
        if (result == EnqueueResult.Enqueued) Flush();
        return result;
    }

    /// <summary>Queues a control frame (outside the queue's bounds) and makes sure it is written.</summary>
    private void Send(ReadOnlyMemory<byte> frame)
    {
        if (_queue.EnqueueControl(frame)) Flush();
    }

    void IGuildRecipient.OnOverflow()
    {
        if (IsClosing) return;
        Log.SlowConsumer(_services.Logger, Id, Identity?.User ?? "?", _queue.Count, _queue.Bytes);
        RequestClose(CloseCodes.SlowConsumer, "slow consumer: send queue full", flush: false);
    }

    void IGuildRecipient.OnGuildStateLost(string guild) =>
        RequestClose(CloseCodes.InvalidSession, $"guild {guild} lost its state; identify again", flush: false);

    private async Task ReceiveLoopAsync()
    {
        while (true)
        {
            // A zero-byte read waits for data without holding a buffer, so idle connections cost no receive memory.
            var peek = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
            if (peek.MessageType == WebSocketMessageType.Close)
            {
                OnClientClose();
                return;
            }
            byte[] buffer = ArrayPool<byte>.Shared.Rent(_options.MaxClientFrameBytes);
            try
            {
                int length = await ReadMessageAsync(buffer, peek).ConfigureAwait(false);
                if (length < 0)
                {
                    OnClientClose();
                    return;
                }
                _services.Metrics.FrameReceived();
                await HandleFrameAsync(ClientFrameReader.Read(buffer.AsSpan(0, length))).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (IsClosing) return;
        }
    }

    // Reads one whole message into buffer; -1 when the client closed instead.
    private async Task<int> ReadMessageAsync(byte[] buffer, ValueWebSocketReceiveResult peek)
    {
        if (peek.MessageType == WebSocketMessageType.Binary)
        {
            throw new ProtocolViolationException(CloseCodes.Undecodable, "binary frames are not part of the protocol; send UTF-8 JSON text");
        }
        int limit = _options.MaxClientFrameBytes;
        int length = 0;
        while (true)
        {
            if (length == limit)
            {
                throw new ProtocolViolationException(CloseCodes.FrameTooLarge, $"frame larger than {limit} bytes");
            }
            var result = await _socket.ReceiveAsync(buffer.AsMemory(length, limit - length), CancellationToken.None).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return -1;
            length += result.Count;
            if (result.EndOfMessage) return length;
        }
    }

    private void OnClientClose()
    {
        if (IsClosing) return; // the client is acknowledging our close
        RequestClose((int)(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure), "closed by client", flush: false);
    }

    private void LeaveGuilds()
    {
        lock (_membershipGate)
        {
            _membershipClosed = true;
            foreach (var member in _members.Values) GuildDirectory.Leave(member);
            _members.Clear();
        }
    }

    private async Task AbortAfterAsync(int milliseconds)
    {
        await Task.Delay(milliseconds).ConfigureAwait(false);
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted)) _socket.Abort();
    }

    private async Task FinishAsync()
    {
        if (!IsClosing)
        {
            // The socket broke without a close handshake: nothing can be written any more.
            Interlocked.Exchange(ref _closeRequested, 1);
            _services.Counters.Closed("disconnected");
            LeaveGuilds();
            _discardOnClose = true;
            _queue.Discard();
            Flush();
        }
        await _writerDone.Task.ConfigureAwait(false);
        if (_socket.State == WebSocketState.CloseSent)
        {
            // Give the client a moment to acknowledge our close frame before the socket is disposed.
            using var ack = new CancellationTokenSource(ClientCloseAckTimeoutMs);
            try
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, ack.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
        _services.Registry.Remove(this);
        if (Identity is { } identity)
        {
            _services.Metrics.ConnectionClosed(identity.Tier);
            await RefreshSessionAsync().ConfigureAwait(false);
        }
        _socket.Dispose();
    }
}
