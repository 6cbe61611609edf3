using Flux.Protocol.Storms;
using Flux.Protocol.Wire;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Verdicts;

/// <summary>
/// What a fault is allowed to cause: which connection ends (close codes, a cut, a drop) and which effects. Anything
/// else it causes, and anything at all outside every fault, fails the run. Loss, duplicates and reorders are never
/// allowed: every fault must end with every message delivered exactly once and in order, or announced.
/// </summary>
internal sealed record FaultAllowance(string Text, IReadOnlySet<string> Closes, IReadOnlySet<Effect> Effects)
{
    private static readonly string Unavailable = CloseKinds.Rejected(ErrorCodes.Unavailable);

    /// <summary>Nothing at all: what is allowed while no fault is active.</summary>
    public static readonly FaultAllowance Nothing = new("nothing: no close, no loss, no rejected send", new HashSet<string>(), new HashSet<Effect>());

    /// <summary>The plan's allowed breach of the gateway's send limit (<c>--allow-limit-breach</c>).</summary>
    public static readonly FaultAllowance LimitBreach = new(
        "closes with 4008 (the send limit); the send over the limit and those after it are not published (unconfirmed); " +
        "the users resume with nothing lost",
        Set(CloseKinds.Of(CloseCodes.RateLimited)), new HashSet<Effect> { Effect.UnconfirmedSends });

    /// <param name="emptyAfterRestart">For restart-redis: whether the server came back without its data.</param>
    public static FaultAllowance For(FaultSpec fault, bool emptyAfterRestart = false) => fault.Kind switch
    {
        FaultKind.SlowConsumers => new(
            "closes its slow readers with 4012; they resume with nothing lost; sends they wrote as the close came may be discarded (unconfirmed)",
            Set(CloseKinds.Of(CloseCodes.SlowConsumer)), new HashSet<Effect> { Effect.UnconfirmedSends }),
        FaultKind.Partition => new(
            "cuts its users off; they reconnect and resume with nothing lost; sends written at the cut may never reach a gateway (unconfirmed)",
            Set(CloseKinds.Cut), new HashSet<Effect> { Effect.UnconfirmedSends }),
        FaultKind.GcPressure => new("slows the gateways down; nothing may be closed, rejected or lost", new HashSet<string>(), new HashSet<Effect>()),
        FaultKind.Drain => new(
            "closes the drained gateway's users with 1001; they resume on another replica with nothing lost; connections to it are refused; " +
            "sends written as the close came may be discarded (unconfirmed)",
            Set(CloseKinds.Of(CloseCodes.Draining)), new HashSet<Effect> { Effect.ConnectFailures, Effect.UnconfirmedSends }),
        FaultKind.KillGateway => new(
            "the killed gateway's users lose their connection without a close frame and resume on another replica with nothing lost; " +
            "sends in flight at the kill may never have been published (unconfirmed); connecting to it fails until it is back",
            Set(CloseKinds.Dropped), new HashSet<Effect> { Effect.UnconfirmedSends, Effect.ConnectFailures }),
        FaultKind.RestartRedis when emptyAfterRestart => new(
            "Redis came back empty: every member of every guild is closed with 4007 and identifies afresh, and the loss is announced, " +
            "never silent; while it restarts, sends are answered 'unavailable' and identifies closed with 1011",
            Set(CloseKinds.Of(CloseCodes.InvalidSession), CloseKinds.Of(CloseCodes.InternalError), CloseKinds.Dropped, Unavailable),
            new HashSet<Effect> { Effect.AnnouncedLoss, Effect.Gaps, Effect.UnconfirmedSends, Effect.ConnectFailures }),
        FaultKind.RestartRedis => new(
            "Redis restarts from its append-only file: nothing is lost; while it restarts, sends are answered 'unavailable' " +
            "(not published) and identifies and resumes closed with 1011, then resumed; sends in flight at a close are unconfirmed",
            Set(CloseKinds.Of(CloseCodes.InternalError), CloseKinds.Dropped, Unavailable),
            new HashSet<Effect> { Effect.ConnectFailures, Effect.UnconfirmedSends }),
        FaultKind.Surge => new(
            "overload: the gateways shed the low tier first, then normal, never high (1013; reconnects are refused with 1013 " +
            "until it ends), and may close the slowest reader (4012); the high tier keeps the SLA; shed users come back and " +
            "resume, and one away longer than its guild's history is sent a gap (announced, never silent); reconnects may fail " +
            "while overloaded; sends in flight at a close are unconfirmed",
            Set(CloseKinds.Of(CloseCodes.Shed), CloseKinds.Of(CloseCodes.SlowConsumer)),
            new HashSet<Effect> { Effect.UnconfirmedSends, Effect.AnnouncedLoss, Effect.Gaps, Effect.ConnectFailures }),
        FaultKind.Fuzz => new(
            "its own clients are closed, each with a documented close code; the users lose nothing and are not closed",
            new HashSet<string>(), new HashSet<Effect>()),
        _ => Nothing,
    };

    /// <summary>What a fault caused beyond its allowance, worded for the verdict.</summary>
    public List<string> Exceeded(IReadOnlyDictionary<Effect, long> effects, IReadOnlyDictionary<string, long> closes)
    {
        var exceeded = new List<string>();
        foreach (var (effect, count) in effects)
        {
            // Rejected sends are judged by their error code, with the closes.
            if (count > 0 && effect != Effect.RejectedSends && !Effects.Contains(effect)) exceeded.Add($"{count:N0} {Describe(effect)}");
        }
        foreach (var (close, count) in closes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (count > 0 && !Closes.Contains(close)) exceeded.Add($"{count:N0} {DescribeClose(close)}");
        }
        return exceeded;
    }

    private static string Describe(Effect effect) => effect switch
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
        _ => effect.ToString(),
    };

    private static string DescribeClose(string close) => close switch
    {
        CloseKinds.Cut => "connections cut",
        CloseKinds.Dropped => "connections dropped without a close frame",
        _ when close.StartsWith("rejected:", StringComparison.Ordinal) => $"sends rejected with '{close["rejected:".Length..]}'",
        _ when int.TryParse(close, out int code) => $"unexpected closes with {code} ({CloseCodes.Name(code)})",
        _ => $"closes '{close}'",
    };

    private static HashSet<string> Set(params string[] closes) => [.. closes];
}
