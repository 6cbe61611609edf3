using Flux.Protocol.Admin;

namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>A gateway process dies at once, with no drain: its users reconnect elsewhere and resume.</summary>
public sealed class KillGatewayFault : FaultKindBase
{
    public override FaultKind Kind => FaultKind.KillGateway;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.Gateway;

    public override FaultScope Scope => FaultScope.TargetGateways;

    public override string Describe(FaultSpec fault) => $"kill: {GatewayName(fault)}";

    // The kill is an instant; the duration is how long its window stays open while a supervisor starts the gateway again.
    protected override bool RequiresDuration => false;

    public override FaultAllowance Allowance(FaultSpec fault) => new(
        "the killed gateway's users lose their connection without a close frame and resume on another replica with nothing lost; " +
        "sends in flight at the kill may never have been published (unconfirmed); connecting to it fails until it is back",
        FaultAllowance.Closing(CloseKinds.Dropped), FaultAllowance.Causing(Effect.UnconfirmedSends, Effect.ConnectFailures, Effect.ConnectTimeouts));

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop) =>
        stage.OnGatewaysAsync(fault.Gateway, (admin, cancel) => admin.InjectFaultAsync(new InjectFaultRequest { Kill = new Kill() },
            cancellationToken: cancel).ResponseAsync, stop);
}
