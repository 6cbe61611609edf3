using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Flux.Gateway.Fanout;

namespace Flux.Gateway.Connections;

/// <summary>
/// The path probe: a WebSocket ping queued behind the connection's deliveries, which the client answers with a pong
/// (RFC 6455 requires it) once it has read everything before it. From queueing the ping to reading the pong is what a
/// delivery queued now waits end to end: this connection's queue, the socket, the client's own reading, and this
/// replica's reading of the answer. <see cref="PathProbe"/> samples it on many connections for the shedding check.
/// </summary>
internal sealed partial class ConnectionTransport
{
    private const int ProbePayloadBytes = 8;

    private long _probeId;
    private long _probeQueuedAt;
    private long _probeAnsweredAt;

    /// <summary>
    /// Queues a ping carrying a new random <paramref name="id"/>. Refused (false) while the last probe is younger than
    /// <paramref name="minGap"/> (it has not been read yet), or unanswered and younger than <paramref name="retryUnanswered"/>
    /// (one silent client holds one probe, not one per check); and when the queue is full or closing (a probe never
    /// closes a connection).
    /// </summary>
    public bool TryStartProbe(TimeSpan minGap, TimeSpan retryUnanswered, out long id)
    {
        id = 0;
        if (IsClosing) return false;
        long now = _time.GetTimestamp();
        long queuedAt = Volatile.Read(ref _probeQueuedAt);
        if (queuedAt != 0)
        {
            var age = _time.GetElapsedTime(queuedAt, now);
            if (age < minGap || (Volatile.Read(ref _probeAnsweredAt) == 0 && age < retryUnanswered)) return false;
        }

        // Random, so that a client cannot answer a ping it has not read yet.
        var payload = new byte[ProbePayloadBytes];
        RandomNumberGenerator.Fill(payload);
        id = BinaryPrimitives.ReadInt64BigEndian(payload);
        // The id first: a late pong of the last probe then no longer matches, and cannot answer this one.
        Volatile.Write(ref _probeId, id);
        Volatile.Write(ref _probeAnsweredAt, 0);
        Volatile.Write(ref _probeQueuedAt, now);
        if (_queue.TryEnqueue(OutboundFrame.Ping(payload)) != EnqueueResult.Enqueued) return false;
        Flush();
        return true;
    }

    /// <summary>
    /// How long probe <paramref name="id"/> took: to its pong if it was answered, or so far if not (a lower bound).
    /// Null when this connection's latest probe is another one, or the connection is closing.
    /// </summary>
    public TimeSpan? ProbeRoundTrip(long id)
    {
        if (IsClosing || Volatile.Read(ref _probeId) != id) return null;
        long queuedAt = Volatile.Read(ref _probeQueuedAt);
        long answeredAt = Volatile.Read(ref _probeAnsweredAt);
        return answeredAt != 0 ? _time.GetElapsedTime(queuedAt, answeredAt) : _time.GetElapsedTime(queuedAt);
    }

    // A pong answers the probe only if it carries the probe's id: unsolicited pongs (RFC 6455 allows them) and echoes
    // of other payloads are ignored, so a client can delay its own answer but not answer before it has read the ping.
    private void ProbeAnswered(in ReadOnlySequence<byte> payload, uint maskKey)
    {
        if (payload.Length != ProbePayloadBytes) return;
        Span<byte> body = stackalloc byte[ProbePayloadBytes];
        Unmask(payload, maskKey, body);
        if (BinaryPrimitives.ReadInt64BigEndian(body) != Volatile.Read(ref _probeId)) return;
        Interlocked.CompareExchange(ref _probeAnsweredAt, _time.GetTimestamp(), 0);
    }
}
