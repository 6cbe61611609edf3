namespace Flux.Protocol.Wire;

/// <summary>The kinds of frame the gateway sends.</summary>
public enum ServerOp { Unknown, Hello, Ready, Message, HeartbeatAck, Resumed, Gap, Error }

/// <summary>A fully decoded server frame. Allocates; clients on a hot path read messages with <see cref="MessageView"/>.</summary>
public sealed record ServerFrame(ServerOp Op)
{
    public int HeartbeatMs { get; init; }
    /// <summary>The limits advertised in <c>hello</c>.</summary>
    public GatewayLimits? Limits { get; init; }
    public string? Session { get; init; }
    public string? User { get; init; }
    public IReadOnlyList<GuildPosition> Guilds { get; init; } = [];
    public string? Guild { get; init; }
    public long Seq { get; init; }
    public string? From { get; init; }
    public string? Nonce { get; init; }
    public string? Body { get; init; }
    /// <summary>The raw JSON text of <c>ts</c>, as echoed.</summary>
    public string? Ts { get; init; }
    public string? Trace { get; init; }
    public int Replayed { get; init; }
    public long GapFrom { get; init; }
    public long GapTo { get; init; }
    public string? Code { get; init; }
    public string? Reason { get; init; }
}

/// <summary>
/// The fields of a <c>msg</c> frame as slices of the received bytes: no allocation per message.
/// String slices are raw JSON text: escaped if the gateway had to escape them.
/// </summary>
public ref struct MessageView
{
    public ReadOnlySpan<byte> Guild;
    public long Seq;
    public ReadOnlySpan<byte> From;
    public ReadOnlySpan<byte> Nonce;
    public ReadOnlySpan<byte> Body;
    public ReadOnlySpan<byte> Ts;
    public ReadOnlySpan<byte> Trace;
}
