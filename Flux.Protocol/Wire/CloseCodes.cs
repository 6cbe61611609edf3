namespace Flux.Protocol.Wire;

/// <summary>WebSocket close codes the gateway uses; the table in docs/protocol.md is their contract.</summary>
public static class CloseCodes
{
    public const int Normal = 1000;
    public const int Draining = 1001;
    public const int ProtocolError = 1002;
    public const int InvalidPayload = 1007;
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
    public const int TooManyUserConnections = 4010;
    public const int TooManyIpConnections = 4011;
    public const int SlowConsumer = 4012;

    /// <summary>Whether docs/protocol.md documents the code; only these become metric tag values.</summary>
    public static bool IsDocumented(int code) => Name(code) != "other";

    /// <summary>The code as text, without allocating for documented codes.</summary>
    public static string Text(int code) => code switch
    {
        Normal => "1000",
        Draining => "1001",
        ProtocolError => "1002",
        InvalidPayload => "1007",
        FrameTooLarge => "1009",
        InternalError => "1011",
        Shed => "1013",
        UnknownOp => "4001",
        Undecodable => "4002",
        NotAuthenticated => "4003",
        InvalidToken => "4004",
        AlreadyAuthenticated => "4005",
        InvalidSession => "4007",
        RateLimited => "4008",
        HeartbeatTimeout => "4009",
        TooManyUserConnections => "4010",
        TooManyIpConnections => "4011",
        SlowConsumer => "4012",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A short stable name for a close code, used as a metric tag and in reports.</summary>
    public static string Name(int code) => code switch
    {
        Normal => "normal",
        Draining => "draining",
        ProtocolError => "protocol_error",
        InvalidPayload => "invalid_payload",
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
        TooManyUserConnections => "too_many_user_connections",
        TooManyIpConnections => "too_many_ip_connections",
        SlowConsumer => "slow_consumer",
        _ => "other",
    };
}
