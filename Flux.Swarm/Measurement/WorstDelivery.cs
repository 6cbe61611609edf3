namespace Flux.Swarm.Measurement;

/// <summary>
/// The worst traced delivery since the last take: its latency and trace id, so a second's spike on the page can link
/// to the journey of a message that took that long. Recorded from any receive loop; only traced deliveries (about one
/// in a thousand) come here, so a lock costs nothing.
/// </summary>
internal sealed class WorstDelivery
{
    private readonly Lock _gate = new();
    private long _microseconds;
    private string? _traceId;

    public void Record(long microseconds, ReadOnlySpan<byte> traceparent)
    {
        lock (_gate)
        {
            if (microseconds <= _microseconds) return;
            _microseconds = microseconds;
            // traceparent: 00-<32 hex trace id>-<16 hex span id>-<flags>
            _traceId = traceparent.Length >= 35 ? System.Text.Encoding.ASCII.GetString(traceparent.Slice(3, 32)) : null;
        }
    }

    /// <summary>The worst since the last call (its trace id, and its latency in milliseconds), and starts again.</summary>
    public (string? TraceId, double Ms) Take()
    {
        lock (_gate)
        {
            var worst = (_traceId, _microseconds / 1000.0);
            _traceId = null;
            _microseconds = 0;
            return worst;
        }
    }
}
