namespace Flux.Gateway.Fanout;

/// <summary>
/// One frame waiting to be written: a text frame, whose bytes are shared by every local recipient of a message, or a
/// path probe (a WebSocket ping the shedding check queued behind the connection's deliveries, made by <see cref="Ping"/>).
/// </summary>
/// <param name="ReceivedTimestamp">TimeProvider timestamp of its arrival from Redis, or 0 for frames the gateway itself sends.</param>
internal readonly record struct OutboundFrame(ReadOnlyMemory<byte> Bytes, long ReceivedTimestamp = 0)
{
    // A ping arrived from nowhere: the mark keeps the struct at its size (it is copied per delivery).
    private const long PingMark = -1;

    /// <summary>A ping frame carrying <paramref name="payload"/> (at most 125 bytes), queued in order with the text frames.</summary>
    public static OutboundFrame Ping(byte[] payload) => new(payload, PingMark);

    public bool IsPing => ReceivedTimestamp == PingMark;

    /// <summary>A message from Redis: its fan-out is measured when it is written.</summary>
    public bool IsFromRedis => ReceivedTimestamp > 0;
}
