using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Flux.Gateway.Connections;

internal sealed partial class ClientConnection
{
    private const int MaxCloseReasonBytes = 123;

    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _writing;
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
            while (frames < _options.SendBatchMaxFrames && _queue.TryDequeue(out var frame))
            {
                var send = _socket.SendAsync(frame.Bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                if (!send.IsCompletedSuccessfully)
                {
                    Sent(frames);
                    _ = WriteAsync(send, frame);
                    return;
                }
                Sent(frame);
                frames++;
            }
            Sent(frames);
            if (frames == _options.SendBatchMaxFrames)
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
                Sent(pendingFrame);
                Sent(1);
            }
            do
            {
                int frames = 0;
                while (_queue.TryDequeue(out var frame))
                {
                    await _socket.SendAsync(frame.Bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                    Sent(frame);
                    if (++frames == _options.SendBatchMaxFrames)
                    {
                        Sent(frames);
                        frames = 0;
                    }
                }
                Sent(frames);
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
        return !_queue.IsEmpty && Interlocked.CompareExchange(ref _writing, 1, 0) == 0;
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
            Telemetry.Log.ConnectionFailed(_services.Logger, Id, ex);
        }
        _queue.Discard();
        _writerDone.TrySetResult();
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted)) _socket.Abort();
    }

    private void Sent(in OutboundFrame frame)
    {
        if (frame.ReceivedTimestamp != 0)
        {
            _services.Metrics.FanoutWritten(frame.ReceivedTimestamp);
            _services.Counters.FanoutLag(Stopwatch.GetTimestamp() - frame.ReceivedTimestamp);
        }
    }

    private void Sent(int frames)
    {
        if (frames == 0) return;
        _services.Metrics.FramesSent(frames);
        _services.Counters.Sent(frames);
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
