namespace Flux.Swarm.Users;

/// <summary>
/// What a simulated user speaks over its socket: Flux's protocol v1, or a peer's (SignalR, Socket.IO). The connection
/// loop (<see cref="UserConnection"/>) knows sockets, back-off and resume timing and nothing of the wire's meaning; a
/// protocol knows frames and nothing of sockets. What a protocol reads it hands to the user's <see cref="UserReceipts"/>.
/// One instance per user, used from its connection's receive loop.
/// </summary>
internal interface IClientProtocol
{
    /// <summary>How often the client sends a heartbeat of its own; 0 until known (Flux says it in hello).</summary>
    int HeartbeatMs { get; }

    /// <summary>The client's heartbeat frame.</summary>
    byte[] Heartbeat { get; }

    /// <summary>What the client sends right after the upgrade, before the server says anything (may be none).</summary>
    byte[]? Opening { get; }

    /// <summary>The URL to connect to for <paramref name="gateway"/> (a peer takes the token in it).</summary>
    Uri ConnectUri(Uri gateway);

    /// <summary>
    /// The frame of one chat message: the run's message <paramref name="messageId"/>, meant to go at <paramref name="intendedUs"/>.
    /// A <paramref name="traced"/> message starts a trace that the gateway and the recipients continue, where the protocol can carry one.
    /// </summary>
    byte[] Send(long messageId, long intendedUs, bool traced);

    /// <summary>Reads one text message from the server. Returns true when it made the connection ready (ready, resumed, joined).</summary>
    /// <exception cref="IOException">The server refused the user or broke its protocol: the connection ends.</exception>
    bool Read(ReadOnlySpan<byte> frame);

    /// <summary>The connection ended; <paramref name="closeCode"/> is the server's close code, if it sent one.</summary>
    void Ended(int? closeCode);
}
