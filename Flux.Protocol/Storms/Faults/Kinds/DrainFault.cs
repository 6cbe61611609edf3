using Flux.Protocol.Admin;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>A gateway drains (1001): its users resume on another replica.</summary>
public sealed class DrainFault : FaultKindBase
{
    public override FaultKind Kind => FaultKind.Drain;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.Gateway;

    // The drain is an instant; the duration is how long its window stays open while the users move.
    protected override bool RequiresDuration => false;

    public override FaultScope Scope => FaultScope.TargetGateways;

    public override string Describe(FaultSpec fault) => $"drain: {GatewayName(fault)}";

    public override FaultAllowance Allowance(FaultSpec fault) => new(
        "closes the drained gateway's users with 1001; they resume on another replica with nothing lost; connections to it are refused; " +
        "sends written as the close came may be discarded (unconfirmed)",
        FaultAllowance.Closing(CloseKinds.Of(CloseCodes.Draining)), FaultAllowance.Causing(Effect.ConnectFailures, Effect.ConnectTimeouts, Effect.UnconfirmedSends));

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop) =>
        stage.OnGatewaysAsync(fault.Gateway, (admin, cancel) => admin.DrainAsync(new DrainRequest(), cancellationToken: cancel).ResponseAsync, stop);
}
