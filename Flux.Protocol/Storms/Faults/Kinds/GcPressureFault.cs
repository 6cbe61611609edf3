using Flux.Protocol.Admin;

namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>Garbage allocated at a rate inside gateways, through their admin service: it slows them down.</summary>
public sealed class GcPressureFault : FaultKindBase
{
    public const double MaxMegabytesPerSecond = 4_096;

    public override FaultKind Kind => FaultKind.GcPressure;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.MegabytesPerSecond | FaultFields.Gateway;

    public override FaultScope Scope => FaultScope.TargetGateways;

    public override string Describe(FaultSpec fault) =>
        $"gc pressure: {fault.MegabytesPerSecond:0.#} MB/s × {fault.Duration:0.#} s on {GatewayName(fault)}";

    public override IEnumerable<string> Validate(FaultSpec fault, StormPlan plan, string name)
    {
        foreach (string error in base.Validate(fault, plan, name)) yield return error;
        if (fault.MegabytesPerSecond is not (> 0 and <= MaxMegabytesPerSecond)) yield return $"{name}: MB/s must be between 0 and {MaxMegabytesPerSecond:0}.";
    }

    public override FaultAllowance Allowance(FaultSpec fault) =>
        FaultAllowance.Nothing with { Text = "slows the gateways down; nothing may be closed, rejected or lost" };

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop) =>
        stage.OnGatewaysAsync(fault.Gateway, (admin, cancel) => admin.InjectFaultAsync(new InjectFaultRequest
        {
            GcPressure = new GcPressure { Seconds = fault.Duration, MegabytesPerSecond = fault.MegabytesPerSecond },
        }, cancellationToken: cancel).ResponseAsync, stop);
}
