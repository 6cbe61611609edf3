using Flux.Protocol.Storms.Faults;

namespace Flux.Protocol.Storms;

/// <summary>
/// The failures a storm can inject. Each value has its whole definition, once, in <see cref="FaultKinds"/> (one class per
/// kind in <c>Faults/Kinds/</c>); swarm_control.proto's <c>FaultKind</c> has the same values, one higher (0 is unspecified
/// there). docs/protocol.md says what each may cause.
/// </summary>
public enum FaultKind
{
    /// <summary>Users that stop reading for a while (the gateway may close them with 4012; they resume).</summary>
    SlowConsumers,

    /// <summary>Users whose connections drop abruptly and stay down for a while, then reconnect and resume.</summary>
    Partition,

    /// <summary>Garbage allocated at a rate inside gateways (through GatewayAdmin).</summary>
    GcPressure,

    /// <summary>A gateway drains (1001): its users resume on another replica.</summary>
    Drain,

    /// <summary>A gateway process dies at once, with no drain: its users reconnect elsewhere and resume.</summary>
    KillGateway,

    /// <summary>The Redis server restarts: from its append-only file, or empty without persistence (then 4007).</summary>
    RestartRedis,

    /// <summary>Extra clients send random and mutated frames; each must be closed with a documented code.</summary>
    Fuzz,

    /// <summary>Real overload: the send rate climbs to <see cref="FaultSpec.Factor"/> times the plan's, past capacity.</summary>
    Surge,

    /// <summary>A slow replica: a gateway holds its fan-out for <see cref="FaultSpec.DelayMs"/> (through GatewayAdmin).</summary>
    Latency,
}

/// <summary>A failure injected at <see cref="At"/> seconds into the run; which fields it reads is its kind's <see cref="IFaultKind.Fields"/>.</summary>
/// <param name="Clients">Slow consumers, partitions and fuzz: how many clients.</param>
/// <param name="MegabytesPerSecond">GC pressure: garbage allocated per second.</param>
/// <param name="Gateway">Faults that act on gateways: index into the plan's gateways, or -1 for all.</param>
/// <param name="Factor">Surge: the peak send rate as a multiple of the plan's.</param>
/// <param name="DelayMs">Latency: how long a gateway holds each message before its fan-out.</param>
public sealed record FaultSpec(FaultKind Kind, double At, double Duration, int Clients = 0, double MegabytesPerSecond = 0, int Gateway = -1,
    double Factor = 0, double DelayMs = 0)
{
    /// <summary>One line for reports and logs, as its kind words it.</summary>
    public string Describe() => FaultKinds.Of(Kind).Describe(this);

    /// <summary>The name the CLI, the form and the reports use for a kind.</summary>
    public static string KindName(FaultKind kind) => FaultKinds.NameOf(kind);
}
