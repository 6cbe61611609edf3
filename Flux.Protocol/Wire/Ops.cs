namespace Flux.Protocol.Wire;

/// <summary>The values of the <c>op</c> field, in both directions (see docs/protocol.md).</summary>
public static class Ops
{
    // Client to server.
    public const string Identify = "identify";
    public const string Resume = "resume";
    public const string Send = "send";
    public const string Heartbeat = "heartbeat";

    // Server to client.
    public const string Hello = "hello";
    public const string Ready = "ready";
    public const string Message = "msg";
    public const string HeartbeatAck = "heartbeat_ack";
    public const string Resumed = "resumed";
    public const string Gap = "gap";
    public const string Error = "error";
}
