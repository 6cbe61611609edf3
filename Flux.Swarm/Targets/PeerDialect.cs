using Flux.Protocol.Storms;

namespace Flux.Swarm.Targets;

/// <summary>
/// How a simulated user speaks to a peer server (SignalR, Socket.IO) over the swarm's lean WebSocket: the URL to
/// connect to, what to send first, how to read what the server sends, and how to frame a chat message. The user keeps
/// the same measurement as against Flux; only the wire differs. One instance serves every user of a run (no state).
/// </summary>
internal abstract class PeerDialect
{
    /// <summary>The dialect for <paramref name="target"/>, or null for Flux's own protocol.</summary>
    public static PeerDialect? For(TargetKind target) => target switch
    {
        TargetKind.SignalR => new SignalRDialect(),
        TargetKind.SocketIo => new SocketIoDialect(),
        _ => null,
    };

    public abstract TargetKind Target { get; }

    /// <summary>How often the client must send a heartbeat of its own (0: the server pings, and the client answers).</summary>
    public abstract int HeartbeatMs { get; }

    /// <summary>The client's heartbeat frame, when <see cref="HeartbeatMs"/> is above 0.</summary>
    public abstract byte[]? Heartbeat { get; }

    /// <summary>The URL a user connects to, from the server URL the plan names (a bare host gets the peer's usual path).</summary>
    public abstract Uri ConnectUri(Uri server, string token);

    /// <summary>What the client sends right after the upgrade, before the server says anything (may be none).</summary>
    public abstract byte[]? Opening { get; }

    /// <summary>A chat message: guild, nonce, body and the intended send time (run microseconds, as against Flux).</summary>
    public abstract byte[] Send(string guild, string nonce, string body, long ts);

    /// <summary>Reads one text message from the server and tells <paramref name="session"/> what it meant.</summary>
    /// <exception cref="PeerProtocolException">The server refused the user, or sent what the protocol does not allow.</exception>
    public abstract void Read(ReadOnlySpan<byte> message, IPeerSession session);
}

/// <summary>What a peer dialect reports to the user it reads for.</summary>
internal interface IPeerSession
{
    /// <summary>The token the user presents.</summary>
    string Token { get; }

    /// <summary>The guild the user joins.</summary>
    string Guild { get; }

    /// <summary>A chat message arrived.</summary>
    void Message(in PeerMessage message);

    /// <summary>The server joined the user to its guild: from now on it receives the guild's messages.</summary>
    void Ready();

    /// <summary>Send this back at once (a handshake step, a pong).</summary>
    void Reply(byte[] frame);

    /// <summary>The server refused one send (the message with <paramref name="nonce"/> will not be delivered).</summary>
    void Refused(string? nonce, string reason);

    /// <summary>A valid packet the chat has no use for (another event, the completion of another call).</summary>
    void Foreign();
}

/// <summary>A chat message as a peer delivers it. <see cref="Nonce"/> is -1 when it is not a number the swarm sent.</summary>
internal readonly ref struct PeerMessage(ReadOnlySpan<byte> guild, long nonce, long ts)
{
    public ReadOnlySpan<byte> Guild { get; } = guild;
    public long Nonce { get; } = nonce;
    public long Ts { get; } = ts;
}

/// <summary>The server refused the user (a bad token, a join refused) or broke its own protocol: the connection ends.</summary>
internal sealed class PeerProtocolException(string message) : IOException(message);
