namespace Flux.Gateway.Fanout;

/// <summary>Where a guild's messages go: a client connection (or, in tests, a recorder).</summary>
internal interface IGuildRecipient
{
    EnqueueResult Deliver(in OutboundFrame frame);

    /// <summary>The recipient fell too far behind; it is closed as a slow consumer (4012).</summary>
    void OnOverflow();

    /// <summary>Redis lost the guild's seq counter (a restart without persistence); the recipient must identify afresh (4007).</summary>
    void OnGuildStateLost(string guild);
}
