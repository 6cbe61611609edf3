using Flux.Protocol.Wire;

namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>The Redis server restarts: from its append-only file, or empty without persistence (then every member gets 4007).</summary>
public sealed class RestartRedisFault : FaultKindBase
{
    private static readonly string Unavailable = CloseKinds.Rejected(ErrorCodes.Unavailable);

    public override FaultKind Kind => FaultKind.RestartRedis;

    public override FaultFields Fields => FaultFields.Duration;

    // The restart is an instant; the duration is how long its window stays open while the gateways reconnect.
    protected override bool RequiresDuration => false;

    public override string Describe(FaultSpec fault) => "restart redis";

    public override FaultAllowance Allowance(FaultSpec fault) => CameBackWithData;

    protected override async Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop)
    {
        // What the fault may cause depends on what came back: with its data nothing may be lost; empty, the loss must be
        // announced (4007) to every member.
        if (await stage.RestartRedisAsync(stop).ConfigureAwait(false)) stage.ReviseAllowance(CameBackEmpty);
    }

    /// <summary>What a restart may cause when Redis comes back with its data (its append-only file).</summary>
    public static readonly FaultAllowance CameBackWithData = new(
        "Redis restarts from its append-only file: nothing is lost; while it restarts, sends are answered 'unavailable' " +
        "(not published) and identifies and resumes closed with 1011 (a close frame, never a drop), then resumed; sends in flight at a close are unconfirmed",
        FaultAllowance.Closing(CloseKinds.Of(CloseCodes.InternalError), Unavailable),
        FaultAllowance.Causing(Effect.ConnectFailures, Effect.ConnectTimeouts, Effect.UnconfirmedSends));

    /// <summary>What a restart may cause when Redis comes back without its data: the loss is announced with 4007.</summary>
    public static readonly FaultAllowance CameBackEmpty = new(
        "Redis came back empty: every member of every guild is closed with 4007 and identifies afresh, and the loss is announced, " +
        "never silent; while it restarts, sends are answered 'unavailable' and identifies closed with 1011 (close frames, never drops)",
        FaultAllowance.Closing(CloseKinds.Of(CloseCodes.InvalidSession), CloseKinds.Of(CloseCodes.InternalError), Unavailable),
        FaultAllowance.Causing(Effect.AnnouncedLoss, Effect.Gaps, Effect.UnconfirmedSends, Effect.ConnectFailures, Effect.ConnectTimeouts));
}
