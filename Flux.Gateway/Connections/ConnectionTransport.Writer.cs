using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Flux.Gateway.Fanout;
using Flux.Protocol.WebSockets;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Connections;

internal sealed partial class ConnectionTransport
{
    private const int MaxCloseReasonBytes = 123;
    private static readonly ReadOnlyMemory<byte> HeartbeatAck = ServerFrameWriter.HeartbeatAck;

    private int _writing;
    private int _ackPending;
    private int _pongPending;
    private byte[] _pongPayload = [];
    private bool _discardOnClose;
    private volatile bool _closeSent;

    /// <summary>
    /// Makes sure queued frames get written. Whoever finds the writer idle becomes the writer, on its own thread:
    /// the fan-out writes frames straight into the connection's output pipe and flushes, which usually completes at
    /// once, so a frame costs no thread hop. A flush that would wait (the client reads slowly) hands over to
    /// <see cref="WriteAsync"/>, which keeps draining. Only one writer exists at a time; it is the only code that
    /// writes to the connection. Frames that are queued together go out in one flush, which is one write to the socket.
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
            // Runs on the fan-out's thread: whatever one connection throws must not reach the other members' delivery.
            WriterFailed(ex);
        }
    }

    private void WriteInline()
    {
        while (true)
        {
            var (frames, full) = WriteBatch();
            if (frames > 0)
            {
                var flush = _output.FlushAsync();
                if (!flush.IsCompletedSuccessfully)
                {
                    _ = WriteAsync(flush, frames);
                    return;
                }
                if (flush.Result.IsCompleted) throw new IOException("the connection's output is closed");
                Written(frames);
            }
            if (full)
            {
                // A long backlog (a replay): finish it off the caller's thread so the fan-out moves on.
                _ = WriteAsync(ValueTask.FromResult(default(FlushResult)), 0);
                return;
            }
            if (!ReleaseOrContinue()) return;
        }
    }

    // The asynchronous writer: owns the connection until the queue is empty again, then releases it.
    private async Task WriteAsync(ValueTask<FlushResult> pending, int pendingFrames)
    {
        try
        {
            if ((await pending.ConfigureAwait(false)).IsCompleted) throw new IOException("the connection's output is closed");
            Written(pendingFrames);
            do
            {
                while (true)
                {
                    var (frames, _) = WriteBatch();
                    if (frames == 0) break;
                    if ((await _output.FlushAsync().ConfigureAwait(false)).IsCompleted) throw new IOException("the connection's output is closed");
                    Written(frames);
                }
                if (_queue.IsCompleted)
                {
                    await CloseOutputAsync().ConfigureAwait(false);
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

    // Copies frames into the output pipe, up to the batch bounds: a pending pong and heartbeat ack first (never
    // queued, so at most one of each exists), then the queue (text frames, and path probes in their place). Returns
    // how many, and whether a bound stopped it.
    private (int Frames, bool Full) WriteBatch()
    {
        int frames = 0;
        long bytes = 0;
        while (frames < _options.SendBatchMaxFrames && bytes < _options.SendBatchMaxBytes)
        {
            if (Volatile.Read(ref _pongPending) != 0 && Interlocked.Exchange(ref _pongPending, 0) == 1)
            {
                WriteFrame(WebSocketOpcode.Pong, Volatile.Read(ref _pongPayload));
            }
            else if (Volatile.Read(ref _ackPending) != 0 && Interlocked.Exchange(ref _ackPending, 0) == 1)
            {
                WriteFrame(WebSocketOpcode.Text, HeartbeatAck.Span);
            }
            else if (_queue.TryDequeue(out var frame))
            {
                WriteFrame(frame.IsPing ? WebSocketOpcode.Ping : WebSocketOpcode.Text, frame.Bytes.Span);
                if (frame.IsFromRedis) _metrics.FanoutWritten(frame.ReceivedTimestamp);
                bytes += frame.Bytes.Length;
            }
            else
            {
                return (frames, false);
            }
            frames++;
        }
        return (frames, true);
    }

    private void WriteFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        int headerLength = WebSocketFrameHeader.SizeOf(payload.Length, masked: false);
        var span = _output.GetSpan(headerLength + payload.Length);
        if (span.Length >= headerLength + payload.Length)
        {
            WebSocketFrameHeader.Write(span, opcode, payload.Length);
            payload.CopyTo(span[headerLength..]);
            _output.Advance(headerLength + payload.Length);
            return;
        }
        WebSocketFrameHeader.Write(span, opcode, payload.Length);
        _output.Advance(headerLength);
        _output.Write(payload);
    }

    // Answers a ping with a pong carrying its payload; pings that arrive before it is written coalesce into it.
    private void QueuePong(in ReadOnlySequence<byte> payload, uint maskKey)
    {
        if (IsClosing) return;
        var body = new byte[payload.Length];
        Unmask(payload, maskKey, body);
        Volatile.Write(ref _pongPayload, body);
        if (Interlocked.Exchange(ref _pongPending, 1) == 0) Flush();
    }

    // Gives up the writer role; false when done, true when frames arrived meanwhile and the role was taken back.
    private bool ReleaseOrContinue()
    {
        if (_queue.IsCompleted)
        {
            _ = WriteAsync(ValueTask.FromResult(default(FlushResult)), 0); // sends the close frame
            return false;
        }
        Volatile.Write(ref _writing, 0);
        // A frame queued after the last dequeue but before the release would otherwise wait for the next one.
        bool more = !_queue.IsEmpty || Volatile.Read(ref _ackPending) != 0 || Volatile.Read(ref _pongPending) != 0;
        return more && Interlocked.CompareExchange(ref _writing, 1, 0) == 0;
    }

    // The last thing the writer does: the close frame (ours, or the echo of the client's), unless the connection broke.
    private async Task CloseOutputAsync()
    {
        if (_discardOnClose) _queue.Discard();
        if (_closeCode != 0 && Volatile.Read(ref _aborted) == 0 && !_closeSent)
        {
            Span<byte> body = stackalloc byte[2 + MaxCloseReasonBytes];
            BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)_closeCode);
            int reasonBytes = Encoding.UTF8.GetBytes(Truncate(_closeReason), body[2..]);
            WriteFrame(WebSocketOpcode.Close, body[..(2 + reasonBytes)]);
            _closeSent = true;
            await _output.FlushAsync().ConfigureAwait(false);
        }
        _writerDone.TrySetResult();
    }

    private void WriterFailed(Exception ex)
    {
        // The connection broke or was aborted (expected; the receive loop ends too), or something unexpected failed:
        // either way nothing more is written, and the connection is torn down.
        if (ex is not (IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException))
        {
            Telemetry.Log.ConnectionFailed(_logger, Id, ex);
        }
        _queue.Discard();
        ReleaseRoomWaiter();
        _writerDone.TrySetResult();
        Abort();
    }

    // After each batch: count it, and let a replay waiting for room go on.
    private void Written(int frames)
    {
        if (frames == 0) return;
        _metrics.FramesWritten(frames);
        if (Volatile.Read(ref _roomWaiter) is not null && _queue.IsHalfEmpty) ReleaseRoomWaiter();
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
