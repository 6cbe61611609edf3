namespace Flux.Protocol.Wire;

/// <summary>A decoded frame from a client.</summary>
public abstract record ClientFrame;

public sealed record IdentifyFrame(string Token) : ClientFrame;

public sealed record ResumeFrame(string Token, string Session, IReadOnlyDictionary<string, long> Seqs) : ClientFrame;

/// <summary>A valid send. <see cref="Ts"/> holds the raw JSON number so it can be echoed verbatim.</summary>
public sealed record SendFrame(string Guild, string Nonce, string Body, byte[]? Ts, string? Trace) : ClientFrame;

/// <summary>A send whose fields were present but invalid: answered with a non-fatal error frame.</summary>
public sealed record RejectedSendFrame(string? Nonce, string Code, string Reason) : ClientFrame;

public sealed record HeartbeatFrame : ClientFrame
{
    public static readonly HeartbeatFrame Instance = new();
}
