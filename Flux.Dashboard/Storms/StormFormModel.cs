using Flux.Protocol.Storms;

namespace Flux.Dashboard.Storms;

/// <summary>The storm form's editable fields: a <see cref="StormPlan"/> that inputs can bind to.</summary>
public sealed class StormFormModel
{
    public string Preset { get; set; } = StormPresets.Smoke;
    public int Users { get; set; }
    public int Guilds { get; set; }
    public GuildSizes GuildSizes { get; set; }
    public double ZipfExponent { get; set; } = 1;
    public double Rate { get; set; }
    public int BodyBytes { get; set; }
    public double Duration { get; set; }
    public double Ramp { get; set; }
    public double TierHigh { get; set; }
    public double TierNormal { get; set; }
    public double TierLow { get; set; }
    public double SlaP95Ms { get; set; }
    public double SlaP99Ms { get; set; }
    public double SlaWindow { get; set; }
    public List<FaultRow> Faults { get; set; } = [];

    public static StormFormModel FromPreset(string name) => From(StormPresets.Get(name));

    public static StormFormModel From(StormPlan plan) => new()
    {
        Preset = plan.Scenario,
        Users = plan.Users,
        Guilds = plan.Guilds,
        GuildSizes = plan.GuildSizes,
        ZipfExponent = plan.ZipfExponent,
        Rate = plan.Rate,
        BodyBytes = plan.BodyBytes,
        Duration = plan.Duration,
        Ramp = plan.Ramp,
        TierHigh = plan.Tiers.High,
        TierNormal = plan.Tiers.Normal,
        TierLow = plan.Tiers.Low,
        SlaP95Ms = plan.Sla.P95Ms,
        SlaP99Ms = plan.Sla.P99Ms,
        SlaWindow = plan.Sla.Window,
        Faults = plan.Faults.Select(FaultRow.From).ToList(),
    };

    public StormPlan ToPlan() => new()
    {
        Scenario = Preset,
        Users = Users,
        Guilds = Guilds,
        GuildSizes = GuildSizes,
        ZipfExponent = ZipfExponent,
        Rate = Rate,
        BodyBytes = BodyBytes,
        Duration = Duration,
        Ramp = Ramp,
        Tiers = new TierMix(TierHigh, TierNormal, TierLow),
        Sla = new SlaSpec(SlaP95Ms, SlaP99Ms, SlaWindow),
        Faults = Faults.Select(f => f.ToSpec()).ToList(),
    };

    /// <summary>Every problem with the plan, worded for a person; the gateways are left to the swarm.</summary>
    public IReadOnlyList<string> Validate() => StormPlanValidator.Validate(ToPlan(), gatewaysRequired: false);
}

/// <summary>One fault in the form.</summary>
public sealed class FaultRow
{
    public FaultKind Kind { get; set; } = FaultKind.Partition;
    public double At { get; set; }
    public double Duration { get; set; } = 5;
    public int Clients { get; set; } = 10;
    public double MegabytesPerSecond { get; set; } = 100;
    public int Gateway { get; set; } = -1;

    public static FaultRow From(FaultSpec spec) => new()
    {
        Kind = spec.Kind, At = spec.At, Duration = spec.Duration, Clients = spec.Clients,
        MegabytesPerSecond = spec.MegabytesPerSecond, Gateway = spec.Gateway,
    };

    public FaultSpec ToSpec() => new(Kind, At, Duration, Clients, MegabytesPerSecond, Gateway);
}
