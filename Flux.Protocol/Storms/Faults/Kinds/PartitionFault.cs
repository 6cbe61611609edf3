namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>Users whose connections drop abruptly and stay down for a while, then reconnect and resume.</summary>
public sealed class PartitionFault : FaultKindBase
{
    public override FaultKind Kind => FaultKind.Partition;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.Clients;

    public override FaultScope Scope => FaultScope.PickedUsers;

    public override bool ActsOnSharedParts => false;

    public override string Describe(FaultSpec fault) => $"partition: {fault.Clients} × {fault.Duration:0.#} s";

    public override FaultAllowance Allowance(FaultSpec fault) => new(
        "cuts its users off; they reconnect and resume with nothing lost; sends written at the cut may never reach a gateway (unconfirmed)",
        FaultAllowance.Closing(CloseKinds.Cut), FaultAllowance.Causing(Effect.UnconfirmedSends));

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop)
    {
        foreach (var user in stage.PickUsers(fault.Clients)) user.Partition(fault.Duration, stage.Fault);
        return Task.CompletedTask;
    }
}
