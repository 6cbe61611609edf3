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

    public override FaultAllowance Allowance(FaultSpec fault) => new(
        "closes its slow readers with 4012; they resume with nothing lost; sends they wrote as the close came may be discarded (unconfirmed)",
        FaultAllowance.Closing(CloseKinds.Of(CloseCodes.SlowConsumer)), FaultAllowance.Causing(Effect.UnconfirmedSends));

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop)
    {
        foreach (var user in stage.PickUsers(fault.Clients)) user.PauseReading(fault.Duration, stage.Fault);
        return Task.CompletedTask;
    }
}
