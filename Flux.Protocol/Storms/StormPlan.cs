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
    /// <summary>What the gateways are: Flux's own (the default), or a peer server the swarm drives with that peer's protocol.</summary>
    public TargetKind Target { get; init; } = TargetKind.Flux;
    public IReadOnlyList<FaultSpec> Faults { get; init; } = [];
    public SlaSpec Sla { get; init; } = SlaSpec.Seed;

    /// <summary>
    /// Run even though the per-user send rate breaks the gateway's advertised limits. The 4008 closes that follow are
    /// then expected, and judged as an injected fault; without this the plan is refused before it starts.
    /// </summary>
    public bool AllowLimitBreach { get; init; }

    /// <summary>The average messages per second each user sends, outside any surge.</summary>
    public double RatePerUser => Rate / Math.Max(1, Users);

    /// <summary>
    /// The send rate at <paramref name="second"/> as a multiple of <see cref="Rate"/>: 1, except during a surge, which
    /// climbs linearly to its factor over its first half and holds it for its second half. Overlapping surges multiply.
    /// </summary>
    public double RateFactorAt(double second)
    {
        double factor = 1;
        foreach (var fault in Faults)
        {
            if (fault.Kind != FaultKind.Surge || fault.Duration <= 0 || second < fault.At || second >= fault.At + fault.Duration) continue;
            double climbed = Math.Min(1, (second - fault.At) / (fault.Duration / 2));
            factor *= 1 + (Math.Max(1, fault.Factor) - 1) * climbed;
        }
        return factor;
    }

    /// <summary>
    /// The most messages one user sends on average in any <paramref name="windowSeconds"/> of the run: the plan's rate
    /// per user over the window, raised by any surge inside it. The send-limit check uses it.
    /// </summary>
    public double BusiestWindowSendsPerUser(double windowSeconds)
    {
        if (!Faults.Any(f => f.Kind == FaultKind.Surge)) return RatePerUser * windowSeconds;
        const double step = 0.25;
        double busiest = 0;
        double end = Math.Max(TotalSeconds, windowSeconds);
        for (double start = 0; start + windowSeconds <= end + step / 2; start += 1)
        {
            double sends = 0;
            for (double t = start; t < start + windowSeconds; t += step) sends += RateFactorAt(t + step / 2) * step;
            busiest = Math.Max(busiest, sends);
        }
        return busiest * RatePerUser;
    }

    public double TotalSeconds => Ramp + Duration;
}

public enum GuildSizes { Uniform, Zipf }

/// <summary>
/// The server a storm drives. Peers are measured with the same generator and the same accounting, without server seqs:
/// loss and duplicates come from a ledger by nonce, order is checked per sender.
/// </summary>
public enum TargetKind
{
    /// <summary>Flux's gateway: gap-free seqs per guild, resume, announced loss.</summary>
    Flux,

    /// <summary>An ASP.NET Core SignalR hub (JSON hub protocol over WebSockets, no negotiate).</summary>
    SignalR,

    /// <summary>A Socket.IO 4 server (Engine.IO 4 over WebSockets).</summary>
    SocketIo,
}

public static class TargetNames
{
    public const string Flux = "flux";
    public const string SignalR = "signalr";
    public const string SocketIo = "socketio";

    public static readonly IReadOnlyList<string> All = [Flux, SignalR, SocketIo];

    public static string ToWire(this TargetKind target) => target switch
    {
        TargetKind.SignalR => SignalR,
        TargetKind.SocketIo => SocketIo,
        _ => Flux,
    };

    public static bool TryParse(string? value, out TargetKind target)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or Flux: target = TargetKind.Flux; return true;
            case SignalR: target = TargetKind.SignalR; return true;
            case SocketIo or "socket.io": target = TargetKind.SocketIo; return true;
            default: target = TargetKind.Flux; return false;
        }
    }

    /// <summary>What the target promises, as the report states it: what its verdict can and cannot hold it to.</summary>
    public static string Guarantees(this TargetKind target) => target switch
    {
        TargetKind.Flux => "gap-free seqs per guild (one order for every member), resume after a disconnect, and any loss announced (gap, 4007)",
        _ => "order per sender only (no server seqs), no resume: a user that drops misses what was sent meanwhile; loss and duplicates counted by nonce",
    };
}

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
