namespace Flux.Gateway.Fanout;

/// <summary>
/// One text frame waiting to be written. The bytes are shared by every local recipient of a message.
/// </summary>
/// <param name="ReceivedTimestamp">TimeProvider timestamp of its arrival from Redis, or 0 for frames the gateway itself sends.</param>
internal readonly record struct OutboundFrame(ReadOnlyMemory<byte> Bytes, long ReceivedTimestamp = 0);
