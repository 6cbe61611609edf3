namespace Flux.Gateway.Connections;

/// <summary>
/// One text frame waiting to be written. The bytes are shared by every local recipient of a message.
/// </summary>
/// <param name="ReceivedTimestamp">Stopwatch timestamp of its arrival from Redis, or 0 for control frames.</param>
internal readonly record struct OutboundFrame(ReadOnlyMemory<byte> Bytes, long ReceivedTimestamp = 0);
