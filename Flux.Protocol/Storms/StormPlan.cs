namespace Flux.Protocol.Storms;

/// <summary>
/// Everything a storm does. One record for gRPC (<c>StormPlanMessage</c>), the CLI and the dashboard form.
/// Times are seconds from the start of the run; the run is <see cref="Ramp"/> then <see cref="Duration"/> of steady load.
/// </summary>
public sealed record StormPlan
{
    public string Scenario { get; init; } = "custom";
    public int Users { get; init; } = 100;
    public int Guilds { get; init; } = 4;
    public GuildSizes GuildSizes { get; init; } = GuildSizes.Uniform;
    /// <summary>The exponent s of the Zipf distribution; guild k gets a share proportional to 1/k^s.</summary>
    public double ZipfExponent { get; init; } = 1.0;
    /// <summary>Aggregate messages per second, an open-model Poisson process over the users.</summary>
    public double Rate { get; init; } = 100;
    public int BodyBytes { get; init; } = 64;
    public double Duration { get; init; } = 10;
    /// <summary>Connections arrive as a Poisson process spread over this many seconds.</summary>
    public double Ramp { get; init; } = 2;
    public TierMix Tiers { get; init; } = TierMix.AllNormal;
    public IReadOnlyList<string> Gateways { get; init; } = [];
    public IReadOnlyList<FaultSpec> Faults { get; init; } = [];
    public SlaSpec Sla { get; init; } = SlaSpec.Seed;

    public double TotalSeconds => Ramp + Duration;
}

public enum GuildSizes { Uniform, Zipf }

/// <summary>Shares of users per tier; they need not sum to 1.</summary>
public sealed record TierMix(double High, double Normal, double Low)
{
    public static readonly TierMix AllNormal = new(0, 1, 0);
}

/// <summary>The service level a storm is judged against.</summary>
/// <param name="Window">How long a breach must last to raise an alert.</param>
public sealed record SlaSpec(double P95Ms, double P99Ms, double Window)
{
    public static readonly SlaSpec Seed = new(50, 100, 10);
}

public enum FaultKind { SlowConsumers, Partition, GcPressure, Drain }

/// <summary>A failure injected at <see cref="At"/> seconds into the run.</summary>
/// <param name="Clients">Slow consumers and partitions: how many users are affected.</param>
/// <param name="MegabytesPerSecond">GC pressure: garbage allocated per second.</param>
/// <param name="Gateway">GC pressure and drain: index into the plan's gateways, or -1 for all.</param>
public sealed record FaultSpec(FaultKind Kind, double At, double Duration, int Clients = 0, double MegabytesPerSecond = 0, int Gateway = -1)
{
    public string Describe() => Kind switch
    {
        FaultKind.SlowConsumers => $"slow consumers: {Clients} × {Duration:0.#} s",
        FaultKind.Partition => $"partition: {Clients} × {Duration:0.#} s",
        FaultKind.GcPressure => $"gc pressure: {MegabytesPerSecond:0.#} MB/s × {Duration:0.#} s on {GatewayName}",
        FaultKind.Drain => $"drain: {GatewayName}",
        _ => Kind.ToString(),
    };

    private string GatewayName => Gateway < 0 ? "all gateways" : $"gateway {Gateway}";
}
