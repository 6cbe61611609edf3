namespace Flux.Protocol.Wire;

/// <summary>
/// The limits a gateway enforces on every user, advertised in <c>hello</c> so that a client (or a load generator)
/// can plan within them instead of discovering them by being closed.
/// </summary>
/// <param name="Sends">At most this many <c>send</c> frames per user…</param>
/// <param name="WindowSeconds">…in any window of this many seconds (a sliding window), else close 4008.</param>
/// <param name="FrameBytes">The largest client message in bytes, else close 1009.</param>
/// <param name="BodyChars">The longest <c>body</c> in UTF-16 code units, else error <c>body_too_long</c>.</param>
/// <param name="HeartbeatsPerInterval">At most this many heartbeats within one heartbeat interval, else close 4008.</param>
/// <param name="ConnectionsPerUser">At most this many connections of one user on a replica, else close 4010.</param>
public sealed record GatewayLimits(int Sends, int WindowSeconds, int FrameBytes, int BodyChars, int HeartbeatsPerInterval, int ConnectionsPerUser)
{
    /// <summary>The most sends per second a user can keep up for a whole window.</summary>
    public double SendsPerSecond => Sends / (double)WindowSeconds;
}
