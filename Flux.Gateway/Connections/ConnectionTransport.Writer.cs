using System.Net.WebSockets;
using Flux.Gateway.Fanout;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

internal sealed partial class ConnectionTransport
{
    private static readonly ReadOnlyMemory<byte> HeartbeatAck = ServerFrameWriter.HeartbeatAck;

    private int _writing;
    private int _ackPending;
    private bool _discardOnClose;

    /// <summary>
    /// Makes sure queued frames get written. Whoever finds the writer idle becomes the writer, on its own thread:
    /// the fan-out writes straight to the socket while sends complete synchronously (the usual case), so a frame
    /// costs no thread hop. A send that would block hands over to <see cref="WriteAsync"/>, which keeps draining.
    /// Only one writer exists at a time; it is the only code that writes to the socket.
    /// </summary>
    private void Flush()
    {
        if (Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
        try
        {
            WriteInline();
        }
        catch (Exception ex)
        {
            // Runs on the fan-out's thread: whatever one socket throws must not reach the other members' delivery.
            WriterFailed(ex);
        }
    }

    private void WriteInline()
    {
        while (true)
        {
            int frames = 0;
            long bytes = 0;
            while (frames < _options.SendBatchMaxFrames && bytes < _options.SendBatchMaxBytes && TryTakeNext(out var frame))
            {
                var send = _socket.SendAsync(frame.Bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                if (!send.IsCompletedSuccessfully)
                {
                    Written(frames);
                    _ = WriteAsync(send, frame);
                    return;
                }
                Written(frame);
                frames++;
                bytes += frame.Bytes.Length;
            }
            Written(frames);
            if (frames == _options.SendBatchMaxFrames || bytes >= _options.SendBatchMaxBytes)
            {
                // A long backlog (a replay): finish it off the caller's thread so the fan-out moves on.
                _ = WriteAsync(ValueTask.CompletedTask, default);
                return;
            }
            if (!ReleaseOrContinue()) return;
        }
    }

    // The asynchronous writer: owns the socket until the queue is empty again, then releases it.
    private async Task WriteAsync(ValueTask pending, OutboundFrame pendingFrame)
    {
        try
        {
            await pending.ConfigureAwait(false);
            if (pendingFrame.Bytes.Length > 0)
            {
                Written(pendingFrame);
                Written(1);
            }
            do
            {
                int frames = 0;
                while (TryTakeNext(out var frame))
                {
                    await _socket.SendAsync(frame.Bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                    Written(frame);
                    if (++frames == _options.SendBatchMaxFrames)
                    {
                        Written(frames);
                        frames = 0;
                    }
                }
                Written(frames);
                if (_queue.IsCompleted)
                {
                    await CloseSocketAsync().ConfigureAwait(false);
                    return;
                }
            }
            while (ReleaseOrContinue());
        }
        catch (Exception ex)
        {
            WriterFailed(ex);
        }
    }

    // The next frame to write: a pending heartbeat ack first (never queued, so at most one exists), then the queue.
    private bool TryTakeNext(out OutboundFrame frame)
    {
        if (Volatile.Read(ref _ackPending) != 0 && Interlocked.Exchange(ref _ackPending, 0) == 1)
        {
            frame = new OutboundFrame(HeartbeatAck);
            return true;
        }
        return _queue.TryDequeue(out frame);
    }

    // Gives up the writer role; false when done, true when frames arrived meanwhile and the role was taken back.
    private bool ReleaseOrContinue()
    {
        if (_queue.IsCompleted)
        {
            _ = WriteAsync(ValueTask.CompletedTask, default); // sends the close frame
            return false;
        }
        Volatile.Write(ref _writing, 0);
        // A frame queued after the last dequeue but before the release would otherwise wait for the next one.
        bool more = !_queue.IsEmpty || Volatile.Read(ref _ackPending) != 0;
        return more && Interlocked.CompareExchange(ref _writing, 1, 0) == 0;
    }

    private async Task CloseSocketAsync()
    {
        if (_discardOnClose) _queue.Discard();
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived && _closeCode != 0)
        {
            await _socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, Truncate(_closeReason), CancellationToken.None).ConfigureAwait(false);
        }
        _writerDone.TrySetResult();
    }

    private void WriterFailed(Exception ex)
    {
        // The socket broke or was aborted (expected; the receive loop ends too), or something unexpected failed:
        // either way nothing more is written, and the connection is torn down.
        if (ex is not (WebSocketException or ObjectDisposedException or IOException or InvalidOperationException or OperationCanceledException))
        {
            Telemetry.Log.ConnectionFailed(_logger, Id, ex);
        }
        _queue.Discard();
        ReleaseRoomWaiter();
        _writerDone.TrySetResult();
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted)) _socket.Abort();
    }

    private void Written(in OutboundFrame frame)
    {
        if (frame.ReceivedTimestamp != 0) _metrics.FanoutWritten(frame.ReceivedTimestamp);
    }

    // After each batch: count it, and let a replay waiting for room go on.
    private void Written(int frames)
    {
        if (frames == 0) return;
        _metrics.FramesWritten(frames);
        if (Volatile.Read(ref _roomWaiter) is not null && _queue.IsHalfEmpty) ReleaseRoomWaiter();
    }
}
