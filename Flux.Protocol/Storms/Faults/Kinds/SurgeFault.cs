using Flux.Protocol.Wire;

namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>
/// Real overload: the send rate climbs to <see cref="FaultSpec.Factor"/> times the plan's over the first half of the
/// fault, holds there for the second half, then falls back (<see cref="StormPlan.RateFactorAt"/>; the swarm's send
/// scheduler follows it). The gateways must shed the low tier first, keep the high tier within its SLA, and recover by themselves.
/// </summary>
public sealed class SurgeFault : FaultKindBase
{
    public const double MaxFactor = 20;

    /// <summary>
    /// After a surge, shedding steps down a level only after <c>Gateway:Shedding:RecoverAfterMs</c> (5 s) of calm, two
    /// levels at most, and a shed user stays away as long as its 1013 says (RecoverAfterMs to 1.5 times it): what happens
    /// until then is the surge's.
    /// </summary>
    public const double SurgeRecoveryGraceSeconds = 20;

    public override FaultKind Kind => FaultKind.Surge;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.Factor;

    public override double RecoveryGraceSeconds => SurgeRecoveryGraceSeconds;

    public override bool RunsAgainstPeers => true;

    public override string Describe(FaultSpec fault) => $"surge: send rate up to ×{fault.Factor:0.#} for {fault.Duration:0.#} s";

    public override IEnumerable<string> Validate(FaultSpec fault, StormPlan plan, string name)
    {
        foreach (string error in base.Validate(fault, plan, name)) yield return error;
        if (fault.Factor is not (> 1 and <= MaxFactor)) yield return $"{name}: factor must be above 1 and at most {MaxFactor}.";
        if (plan.Rate * Math.Max(1, fault.Factor) > StormPlanValidator.MaxRate) yield return $"{name}: the surge's peak rate must be at most {StormPlanValidator.MaxRate:N0} messages/s.";
    }

    public override FaultAllowance Allowance(FaultSpec fault) => new(
        "overload: the gateways shed the low tier first, then normal, never high (1013; reconnects are refused with 1013 " +
        "until it ends), and may close the slowest reader (4012); the high tier keeps the SLA; shed users come back and " +
        "resume, and one away longer than its guild's history is sent a gap (announced, never silent); reconnects may fail " +
        "while overloaded; sends in flight at a close are unconfirmed",
        FaultAllowance.Closing(CloseKinds.Of(CloseCodes.Shed), CloseKinds.Of(CloseCodes.SlowConsumer)),
        FaultAllowance.Causing(Effect.UnconfirmedSends, Effect.AnnouncedLoss, Effect.Gaps, Effect.ConnectFailures, Effect.ConnectTimeouts));

    // The send scheduler follows the plan's rate factor; the fault's span marks the surge.
    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop) => Task.CompletedTask;
}
