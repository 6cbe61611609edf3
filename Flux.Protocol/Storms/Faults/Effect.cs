namespace Flux.Protocol.Storms.Faults;

/// <summary>The kinds of thing that can go wrong in a storm, as the report names them and the verdict judges them.</summary>
public enum Effect
{
    /// <summary>An expected delivery that never arrived, and nobody was told.</summary>
    Lost,

    /// <summary>Deliveries a user missed but was told about: closed with 4007 (then identified afresh) or sent a gap.</summary>
    AnnouncedLoss,

    Duplicates,
    Reordered,

    /// <summary>Gap frames received.</summary>
    Gaps,

    /// <summary>Sends answered with an error frame.</summary>
    RejectedSends,

    /// <summary>Sends written just before the sender's connection was cut or dropped: they may never have reached a gateway.</summary>
    UnconfirmedSends,

    /// <summary>Attempts to connect that failed (refused, or the upgrade refused).</summary>
    ConnectFailures,

    /// <summary>Users still not connected and caught up when the run ended.</summary>
    UsersNotBack,

    /// <summary>
    /// Deliveries owed to a user still disconnected when the run ended: seqs above the highest it had received. Apart from
    /// <see cref="Lost"/> (a hole below what a user received), so a run that ends with users still away says so instead
    /// of reading as silent loss; never allowed either.
    /// </summary>
    OwedToUsersNotBack,

    /// <summary>Fuzzing clients closed with a code the protocol does not document, or dropped without a close frame.</summary>
    FuzzUndocumentedCloses,

    /// <summary>
    /// Deliveries whose <c>from</c>, <c>body</c> or <c>ts</c> differs from what was sent (the swarm seals each message; see
    /// docs/protocol.md): the gateway changed a message. Never allowed.
    /// </summary>
    Corrupted,

    /// <summary>Attempts to connect that did not finish within the swarm's connect timeout (10 s): a swarm short of time can cause these.</summary>
    ConnectTimeouts,
}

/// <summary>How the report and the verdict word each <see cref="Effect"/>.</summary>
public static class EffectNames
{
    public static readonly Effect[] All = Enum.GetValues<Effect>();

    /// <summary>The effect's key in the report (snake_case).</summary>
    public static string ToReportName(this Effect effect) => effect switch
    {
        Effect.Lost => "lost",
        Effect.AnnouncedLoss => "announced_loss",
        Effect.Duplicates => "duplicates",
        Effect.Reordered => "reordered",
        Effect.Gaps => "gaps",
        Effect.RejectedSends => "rejected_sends",
        Effect.UnconfirmedSends => "unconfirmed_sends",
        Effect.ConnectFailures => "connect_failures",
        Effect.UsersNotBack => "users_not_back",
        Effect.OwedToUsersNotBack => "owed_to_users_not_back",
        Effect.FuzzUndocumentedCloses => "fuzz_undocumented_closes",
        Effect.Corrupted => "corrupted",
        Effect.ConnectTimeouts => "connect_timeouts",
        _ => effect.ToString(),
    };

    /// <summary>The effect in a verdict's words, after its count ("12 lost deliveries").</summary>
    public static string Describe(this Effect effect) => effect switch
    {
        Effect.Lost => "lost deliveries",
        Effect.AnnouncedLoss => "deliveries missed (announced by 4007 or a gap)",
        Effect.Duplicates => "duplicated deliveries",
        Effect.Reordered => "reordered deliveries",
        Effect.Gaps => "gap frames",
        Effect.RejectedSends => "rejected sends",
        Effect.UnconfirmedSends => "unconfirmed sends",
        Effect.ConnectFailures => "failed connects",
        Effect.UsersNotBack => "users not reconnected by the end",
        Effect.OwedToUsersNotBack => "deliveries owed to users not back by the end",
        Effect.FuzzUndocumentedCloses => "fuzzing clients closed without a documented code",
        Effect.Corrupted => "corrupted deliveries (from, body or ts not as sent)",
        Effect.ConnectTimeouts => "connects that timed out",
        _ => effect.ToString(),
    };
}
