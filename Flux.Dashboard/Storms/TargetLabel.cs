using Flux.Protocol.Control;
using Flux.Protocol.Storms;

namespace Flux.Dashboard.Storms;

/// <summary>" against signalr" after a storm's scenario when it drove a peer; nothing for Flux's own gateways.</summary>
public static class TargetLabel
{
    public static string Of(StormPlan? plan) => plan is null || plan.Target == TargetKind.Flux ? "" : $" against {plan.Target.ToWire()}";

    public static string Of(StormPlanMessage? plan) =>
        plan is null || !TargetNames.TryParse(plan.Target, out var target) || target == TargetKind.Flux ? "" : $" against {target.ToWire()}";
}
