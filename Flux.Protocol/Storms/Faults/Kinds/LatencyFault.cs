using Flux.Protocol.Admin;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Storms.Faults.Kinds;

/// <summary>
/// A slow replica: a gateway holds every message it receives from the backplane for <see cref="FaultSpec.DelayMs"/>
/// before its fan-out, for the fault's duration (through its admin service). Its fan-out lag then reads as overload, so
/// it may shed its lower tiers as under a surge; those users resume on another replica. Nothing may be lost; what the
/// delay costs is latency, and the SLA is judged on it as always.
/// </summary>
public sealed class LatencyFault : FaultKindBase
{
    public const int MaxDelayMs = 10_000;

    public override FaultKind Kind => FaultKind.Latency;

    public override FaultFields Fields => FaultFields.Duration | FaultFields.Gateway | FaultFields.DelayMs;

    public override FaultScope Scope => FaultScope.TargetGateways;

    public override string Describe(FaultSpec fault) => $"latency: {fault.DelayMs:0} ms × {fault.Duration:0.#} s on {GatewayName(fault)}";

    public override IEnumerable<string> Validate(FaultSpec fault, StormPlan plan, string name)
    {
        foreach (string error in base.Validate(fault, plan, name)) yield return error;
        if (fault.DelayMs is < 1 or > MaxDelayMs) yield return $"{name}: delay must be between 1 and {MaxDelayMs:N0} ms.";
    }

    public override FaultAllowance Allowance(FaultSpec fault) => new(
        "holds the gateway's fan-out; its fan-out lag reads as overload, so it may shed its low and normal tiers (1013), who resume " +
        "on another replica with nothing lost; sends in flight at a shed close are unconfirmed; the SLA is judged on the latency it costs",
        FaultAllowance.Closing(CloseKinds.Of(CloseCodes.Shed)), FaultAllowance.Causing(Effect.UnconfirmedSends));

    protected override Task ActAsync(FaultSpec fault, IFaultStage stage, CancellationToken stop) =>
        stage.OnGatewaysAsync(fault.Gateway, (admin, cancel) => admin.InjectFaultAsync(new InjectFaultRequest
        {
            FanoutDelay = new FanoutDelay { DelayMs = (int)fault.DelayMs, Seconds = fault.Duration },
        }, cancellationToken: cancel).ResponseAsync, stop);
}
