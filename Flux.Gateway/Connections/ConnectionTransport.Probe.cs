using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Flux.Gateway.Fanout;

namespace Flux.Gateway.Connections;

/// <summary>
/// The path probe: a WebSocket ping queued behind the connection's deliveries, which the client answers with a pong
/// (RFC 6455 requires it) once it has read everything before it. From queueing the ping to reading the pong is what a
/// delivery queued now waits end to end, plus the way back: this connection's queue, the socket, the client's own
/// reading, and this replica's reading of the answer. The probe's <em>delay</em> is that round trip less the fastest
/// one this connection has answered: the network's own round trip is no load to shed. <see cref="PathProbe"/> samples
/// it on many connections for the shedding check.
/// </summary>
internal sealed partial class ConnectionTransport
{
    private const int ProbePayloadBytes = 8;

    // The latest probe, swapped whole, so a pong is matched and recorded against one probe and never half of two.
    private ProbeState? _probe;
    private long _fastestProbeTicks = long.MaxValue; // written only by the reader

    /// <summary>
    /// Starts a probe for shedding check <paramref name="check"/>: queues a ping carrying a new random id. When the last
    /// probe is still unanswered, no new one is queued and that one is reported instead (<see cref="ProbeStart.Outstanding"/>):
    /// a late client is sampled at its age so far. Skipped while the last probe's round, started fewer than
    /// <paramref name="roundChecks"/> checks ago, is still to be read, and when the send queue is more than half full or
    /// closing: a probe never takes a delivery's room, so it never closes a connection.
    /// </summary>
    public ProbeStart TryStartProbe(long check, int roundChecks, out long id)
    {
        id = 0;
        if (IsClosing) return ProbeStart.Skipped;
        var last = Volatile.Read(ref _probe);
        if (last is not null)
        {
            if (check - last.Check < roundChecks) return ProbeStart.Skipped;
            if (Volatile.Read(ref last.AnsweredAt) == 0)
            {
                id = last.Id;
                return ProbeStart.Outstanding;
            }
        }
        if (!_queue.IsHalfEmpty) return ProbeStart.Skipped;

        // Random, so that a client cannot answer a ping it has not read yet.
        var payload = new byte[ProbePayloadBytes];
        RandomNumberGenerator.Fill(payload);
        var probe = new ProbeState(BinaryPrimitives.ReadInt64BigEndian(payload), _time.GetTimestamp(), check);
        // Published before the ping can be written, so its pong always finds it; taken back if the ping is refused.
        Volatile.Write(ref _probe, probe);
        if (_queue.TryEnqueue(OutboundFrame.Ping(payload)) != EnqueueResult.Enqueued)
        {
            Interlocked.CompareExchange(ref _probe, last, probe);
            return ProbeStart.Skipped;
        }
        Flush();
        id = probe.Id;
        return ProbeStart.Started;
    }

    /// <summary>
    /// The delay of probe <paramref name="id"/>: its round trip if it was answered, or its age so far if not (a lower
    /// bound), less this connection's fastest round trip. Null when this connection's latest probe is another one, or
    /// the connection is closing.
    /// </summary>
    public TimeSpan? ProbeDelay(long id)
    {
        var probe = Volatile.Read(ref _probe);
        if (IsClosing || probe is null || probe.Id != id) return null;
        long answeredAt = Volatile.Read(ref probe.AnsweredAt);
        long roundTrip = (answeredAt != 0 ? answeredAt : _time.GetTimestamp()) - probe.QueuedAt;
        long fastest = Volatile.Read(ref _fastestProbeTicks);
        long delay = fastest == long.MaxValue ? roundTrip : Math.Max(0, roundTrip - fastest);
        return TimeSpan.FromSeconds(delay / (double)_time.TimestampFrequency);
    }

    // A pong answers the latest probe only if it carries that probe's id: unsolicited pongs (RFC 6455 allows them) and
    // echoes of other payloads are ignored, so a client can delay its own answer but not answer before it has read the
    // ping. Runs on the reader, the only writer of the fastest round trip.
    private void ProbeAnswered(in ReadOnlySequence<byte> payload, uint maskKey)
    {
        if (payload.Length != ProbePayloadBytes) return;
        Span<byte> body = stackalloc byte[ProbePayloadBytes];
        Unmask(payload, maskKey, body);
        var probe = Volatile.Read(ref _probe);
        if (probe is null || BinaryPrimitives.ReadInt64BigEndian(body) != probe.Id) return;
        long now = _time.GetTimestamp();
        if (Interlocked.CompareExchange(ref probe.AnsweredAt, now, 0) != 0) return;
        long roundTrip = now - probe.QueuedAt;
        if (roundTrip < _fastestProbeTicks) Volatile.Write(ref _fastestProbeTicks, roundTrip);
    }

    private sealed class ProbeState(long id, long queuedAt, long check)
    {
        public readonly long Id = id;
        public readonly long QueuedAt = queuedAt;
        public readonly long Check = check;
        public long AnsweredAt; // TimeProvider timestamp of the pong; 0 until then
    }
}

/// <summary>What <see cref="ConnectionTransport.TryStartProbe"/> did.</summary>
internal enum ProbeStart
{
    /// <summary>No probe: the last one's round is unread, the send queue is more than half full, or the connection is closing.</summary>
    Skipped,

    /// <summary>A new ping was queued.</summary>
    Started,

    /// <summary>The last probe is still unanswered; it is sampled again, at its age.</summary>
    Outstanding,
}
