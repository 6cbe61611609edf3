namespace Flux.Protocol.Wire;

/// <summary>Input that breaks the protocol; the connection is closed with <see cref="CloseCode"/>.</summary>
public sealed class ProtocolViolationException(int closeCode, string reason) : Exception(reason)
{
    public int CloseCode { get; } = closeCode;
}
