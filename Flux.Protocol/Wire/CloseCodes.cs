namespace Flux.Protocol.Wire;

/// <summary>WebSocket close codes the gateway uses; the table in docs/protocol.md is their contract.</summary>
public static class CloseCodes
{
    public const int Draining = 1001;
    public const int FrameTooLarge = 1009;
    public const int InternalError = 1011;
    public const int Shed = 1013;
    public const int UnknownOp = 4001;
    public const int Undecodable = 4002;
    public const int NotAuthenticated = 4003;
    public const int InvalidToken = 4004;
    public const int AlreadyAuthenticated = 4005;
    public const int InvalidSession = 4007;
    public const int RateLimited = 4008;
    public const int HeartbeatTimeout = 4009;
    public const int SlowConsumer = 4012;

    /// <summary>After these the client may resume its session, on this replica or another.</summary>
    public static bool AllowsResume(int code) =>
        code is SlowConsumer or Draining or Shed or HeartbeatTimeout or InternalError;

    /// <summary>A short stable name for a close code, used as a metric tag and in reports.</summary>
    public static string Name(int code) => code switch
    {
        1000 => "normal",
        Draining => "draining",
        FrameTooLarge => "frame_too_large",
        InternalError => "internal_error",
        Shed => "shed",
        UnknownOp => "unknown_op",
        Undecodable => "undecodable",
        NotAuthenticated => "not_authenticated",
        InvalidToken => "invalid_token",
        AlreadyAuthenticated => "already_authenticated",
        InvalidSession => "invalid_session",
        RateLimited => "rate_limited",
        HeartbeatTimeout => "heartbeat_timeout",
        SlowConsumer => "slow_consumer",
        _ => "other",
    };
}
