namespace Flux.Protocol.Wire;

/// <summary>Field limits that are part of wire contract v1.</summary>
public static class ProtocolLimits
{
    public const int Version = 1;
    public const int MaxNonceChars = 64;
    public const int MaxBodyChars = 2000;
    public const int MaxGuildIdChars = 64;
    public const int DefaultMaxClientFrameBytes = 4096;
}
