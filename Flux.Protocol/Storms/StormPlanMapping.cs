using Flux.Protocol.Control;
using ProtoFaultKind = Flux.Protocol.Control.FaultKind;

namespace Flux.Protocol.Storms;

/// <summary>Converts the plan to and from its gRPC message; the only place that knows both shapes.</summary>
public static class StormPlanMapping
{
    public static StormPlanMessage ToMessage(this StormPlan plan)
    {
        var message = new StormPlanMessage
        {
            Scenario = plan.Scenario,
            Users = plan.Users,
            Guilds = plan.Guilds,
            GuildSizes = plan.GuildSizes == GuildSizes.Zipf ? GuildSizeDistribution.Zipf : GuildSizeDistribution.Uniform,
            ZipfExponent = plan.ZipfExponent,
            Rate = plan.Rate,
            BodyBytes = plan.BodyBytes,
            DurationS = plan.Duration,
            RampS = plan.Ramp,
            TierHigh = plan.Tiers.High,
            TierNormal = plan.Tiers.Normal,
            TierLow = plan.Tiers.Low,
            SlaP95Ms = plan.Sla.P95Ms,
            SlaP99Ms = plan.Sla.P99Ms,
            SlaWindowS = plan.Sla.Window,
            NoFaults = plan.Faults.Count == 0,
            AllowLimitBreach = plan.AllowLimitBreach,
            Target = plan.Target.ToWire(),
        };
        message.Gateways.AddRange(plan.Gateways);
        message.Faults.AddRange(plan.Faults.Select(f => new FaultMessage
        {
            // The proto enum has the same values, one higher: its 0 is "unspecified".
            Kind = (ProtoFaultKind)((int)f.Kind + 1),
            AtS = f.At,
            DurationS = f.Duration,
            Clients = f.Clients,
            MegabytesPerSecond = f.MegabytesPerSecond,
            Gateway = f.Gateway,
            Factor = f.Factor,
            DelayMs = f.DelayMs,
        }));
        return message;
    }

    /// <summary>Reads a plan; fields left at zero take the named scenario's values (or the defaults).</summary>
    public static StormPlan ToPlan(this StormPlanMessage message)
    {
        var basis = StormPresets.TryGet(message.Scenario, out var preset) ? preset : new StormPlan();
        bool tiersGiven = message.TierHigh > 0 || message.TierNormal > 0 || message.TierLow > 0;
        bool slaGiven = message.SlaP95Ms > 0 || message.SlaP99Ms > 0 || message.SlaWindowS > 0;
        return basis with
        {
            Scenario = string.IsNullOrEmpty(message.Scenario) ? basis.Scenario : message.Scenario,
            Users = Or(message.Users, basis.Users),
            Guilds = Or(message.Guilds, basis.Guilds),
            GuildSizes = message.GuildSizes == GuildSizeDistribution.Zipf ? GuildSizes.Zipf : basis.GuildSizes,
            ZipfExponent = Or(message.ZipfExponent, basis.ZipfExponent),
            Rate = Or(message.Rate, basis.Rate),
            BodyBytes = Or(message.BodyBytes, basis.BodyBytes),
            Duration = Or(message.DurationS, basis.Duration),
            Ramp = message.HasRampS ? message.RampS : basis.Ramp,
            Tiers = tiersGiven ? new TierMix(message.TierHigh, message.TierNormal, message.TierLow) : basis.Tiers,
            Gateways = message.Gateways.Count > 0 ? message.Gateways.ToArray() : basis.Gateways,
            Faults = message.Faults.Count > 0 ? message.Faults.Select(ToFault).ToArray() : message.NoFaults ? [] : basis.Faults,
            Sla = slaGiven
                ? new SlaSpec(Or(message.SlaP95Ms, basis.Sla.P95Ms), Or(message.SlaP99Ms, basis.Sla.P99Ms), Or(message.SlaWindowS, basis.Sla.Window))
                : basis.Sla,
            AllowLimitBreach = message.AllowLimitBreach,
            Target = TargetNames.TryParse(message.Target, out var target)
                ? target
                : throw new ArgumentException($"target '{message.Target}' is not one of {string.Join(", ", TargetNames.All)}"),
        };
    }

    private static FaultSpec ToFault(FaultMessage f)
    {
        var kind = (FaultKind)((int)f.Kind - 1);
        if (f.Kind == ProtoFaultKind.Unspecified) throw new ArgumentException("fault kind is unspecified");
        if (!Enum.IsDefined(kind)) throw new ArgumentException($"fault kind {(int)f.Kind} is not one this swarm knows");
        return new FaultSpec(kind, f.AtS, f.DurationS, f.Clients, f.MegabytesPerSecond, f.Gateway, f.Factor, f.DelayMs);
    }

    private static int Or(int value, int fallback) => value > 0 ? value : fallback;

    private static double Or(double value, double fallback) => value > 0 ? value : fallback;
}
