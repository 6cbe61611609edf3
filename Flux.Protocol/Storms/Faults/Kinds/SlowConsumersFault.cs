using Flux.Protocol.Wire;

namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>Users that stop reading for a while; the gateway may close them with 4012, and they resume.</summary>
public sealed class SlowConsumersFault : FaultKindBase
{
    public override FaultKind Kind => FaultKind.SlowConsumers;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.Clients;

    public override FaultScope Scope => FaultScope.PickedUsers;

    public override bool ActsOnSharedParts => false;

    public override string Describe(FaultSpec fault) => $"slow consumers: {fault.Clients} × {fault.Duration:0.#} s";

    public override IEnumerable<string> Validate(FaultSpec fault, StormPlan plan, string name)
    {
        foreach (string error in base.Validate(fault, plan, name)) yield return error;
        if (fault.Clients < 1 || fault.Clients > plan.Users) yield return $"{name}: clients must be between 1 and the number of users.";
    }

    public override FaultAllowance Allowance(FaultSpec fault) => new(
        "closes its slow readers with 4012; they resume with nothing lost; sends they wrote as the close came may be discarded (unconfirmed)",
        FaultAllowance.Closing(CloseKinds.Of(CloseCodes.SlowConsumer)), FaultAllowance.Causing(Effect.UnconfirmedSends));

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop)
    {
        foreach (var user in stage.PickUsers(fault.Clients)) user.PauseReading(fault.Duration, stage.Fault);
        return Task.CompletedTask;
    }
}
