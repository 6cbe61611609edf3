using System.Diagnostics;
using System.Net.WebSockets;

namespace Flux.Gateway.Connections;

internal sealed partial class ClientConnection
{
    /// <summary>
    /// The only writer of the socket. Takes up to a batch of frames (by count and bytes) per wake-up, so a busy
    /// connection is written in bursts and Kestrel can coalesce them into few socket sends; then, once the queue
    /// is completed and empty, sends the close frame.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var metrics = _services.Metrics;
        var counters = _services.Counters;
        try
        {
            while (await _queue.WaitToReadAsync().ConfigureAwait(false))
            {
                int frames = 0;
                long bytes = 0;
                while (frames < _options.SendBatchMaxFrames && bytes < _options.SendBatchMaxBytes && _queue.TryDequeue(out var frame))
                {
                    await _socket.SendAsync(frame.Bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                    if (frame.ReceivedTimestamp != 0)
                    {
                        metrics.FanoutWritten(frame.ReceivedTimestamp);
                        counters.FanoutLag(Stopwatch.GetTimestamp() - frame.ReceivedTimestamp);
                    }
                    frames++;
                    bytes += frame.Bytes.Length;
                }
                if (frames > 0)
                {
                    metrics.FramesSent(frames);
                    counters.Sent(frames);
                }
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived && _closeCode != 0)
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, Truncate(_closeReason), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The socket broke or was aborted; the receive loop ends too.
        }
        finally
        {
            _queue.Discard();
        }
    }

    // A close frame's reason must fit in 123 bytes of UTF-8.
    private static string Truncate(string reason) =>
        System.Text.Encoding.UTF8.GetByteCount(reason) <= 123 ? reason : reason[..Math.Min(reason.Length, 100)];
}
