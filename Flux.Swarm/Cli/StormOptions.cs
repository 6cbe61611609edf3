using System.CommandLine;
using Flux.Protocol.Storms;

namespace Flux.Swarm.Cli;

/// <summary>
/// The options of <c>storm</c>, and how they turn into a <see cref="StormPlan"/>: a preset (<c>--scenario</c>) whose
/// fields the other options override. The plan record is the one shape; this only reads the command line into it.
/// </summary>
internal sealed class StormOptions
{
    public Option<string[]> Gateway { get; } = new("--gateway") { Description = "A gateway WebSocket URL; repeat for several replicas (users are spread over them). For a peer, its server URLs (a bare ws://host:port gets the peer's usual path)", Required = true, AllowMultipleArgumentsPerToken = false };
    public Option<string> Target { get; } = new("--target") { Description = $"What the gateways are: {string.Join(", ", TargetNames.All)} (peers run without faults, or with a surge only)", DefaultValueFactory = _ => TargetNames.Flux };
    public Option<string[]> Admin { get; } = new("--admin") { Description = "The gateways' gRPC admin URLs, in the same order (GC pressure, drain and kill faults need them); the key comes from Admin__Key" };
    public Option<string?> Redis { get; } = new("--redis") { Description = "The Redis backplane (host:port), for the restart-redis fault" };
    public Option<string> Scenario { get; } = new("--scenario") { Description = $"A preset: {string.Join(", ", StormPresets.Names)}; the other options override its fields", DefaultValueFactory = _ => StormPresets.Seed };
    public Option<int?> Users { get; } = new("--users") { Description = "Simulated users" };
    public Option<int?> Guilds { get; } = new("--guilds") { Description = "Guilds (users are spread over them)" };
    public Option<double?> Zipf { get; } = new("--zipf") { Description = "Zipf-sized guilds with this exponent, instead of equal ones" };
    public Option<double?> Rate { get; } = new("--rate") { Description = "Messages per second, for all users together (a Poisson process)" };
    public Option<int?> BodyBytes { get; } = new("--body-bytes") { Description = "Bytes of body per message" };
    public Option<double?> Duration { get; } = new("--duration") { Description = "Seconds of steady load after the ramp" };
    public Option<double?> Ramp { get; } = new("--ramp") { Description = "Seconds over which users arrive" };
    public Option<int?> SlowConsumers { get; } = new("--slow-consumers") { Description = "Users that stop reading (0 removes the fault)" };
    public Option<int?> Partition { get; } = new("--partition") { Description = "Users cut off, then reconnecting and resuming (0 removes the fault)" };
    public Option<int?> Fuzz { get; } = new("--fuzz") { Description = "Extra clients sending bad frames for 5 s, a third into the steady phase (0 removes the fault)" };
    public Option<double?> Surge { get; } = new("--surge") { Description = "A surge: the send rate climbs to this multiple over 15 s and holds 15 s, a fifth into the steady phase (0 removes it)" };
    public Option<string?> Tiers { get; } = new("--tiers") { Description = "Shares of users per tier as high,normal,low, e.g. 0.2,0.4,0.4 (the gateways shed low first, never high)" };
    public Option<bool> NoFaults { get; } = new("--no-faults") { Description = "Run without any fault" };
    public Option<double?> P95 { get; } = new("--p95") { Description = "SLA limit on p95, ms" };
    public Option<double?> P99 { get; } = new("--p99") { Description = "SLA limit on p99, ms" };
    public Option<double?> SlaWindow { get; } = new("--sla-window") { Description = "Seconds a breach must last to raise an alert" };
    public Option<bool> AllowLimitBreach { get; } = new("--allow-limit-breach") { Description = "Run even if the plan breaks the gateway's advertised send limit; the 4008 closes are then judged as a fault" };
    public Option<string?> Report { get; } = new("--report") { Description = "Where to write the JSON report; a Markdown twin is written next to it" };
    public Option<string?> JUnit { get; } = new("--junit") { Description = "Where to write a JUnit XML file: one test case per SLA clause and per fault expectation" };
    public Option<string[]> Agent { get; } = new("--agent") { Description = "A swarm agent's gRPC URL (a swarm service: dotnet run --project Flux.Swarm); repeat for several. The storm is then distributed: this process runs one shard of the users and each agent another, and the report merges them" };
    public Option<bool> AllowInsecureAgents { get; } = new("--allow-insecure-agents") { Description = "Allow --agent URLs off this machine over plain http (the swarm key, from Swarm__Key, and the storm then cross the network in clear)" };
    public Option<int?> Seed { get; } = new("--seed") { Description = "Seed for the schedule, the layout and the fault picks" };

    public IEnumerable<Option> All =>
    [
        Gateway, Target, Admin, Redis, Scenario, Users, Guilds, Zipf, Rate, BodyBytes, Duration, Ramp, SlowConsumers, Partition, Fuzz,
        Surge, Tiers, NoFaults, P95, P99, SlaWindow, AllowLimitBreach, Report, JUnit, Agent, AllowInsecureAgents, Seed,
    ];

    /// <summary>The plan the command line describes.</summary>
    /// <exception cref="FormatException">An unknown scenario.</exception>
    public StormPlan ToPlan(ParseResult parsed)
    {
        string scenario = parsed.GetValue(Scenario)!;
        if (!StormPresets.TryGet(scenario, out var plan))
        {
            throw new FormatException($"unknown scenario '{scenario}'; use one of {string.Join(", ", StormPresets.Names)}");
        }
        plan = plan with { Gateways = parsed.GetValue(Gateway) ?? [], AllowLimitBreach = parsed.GetValue(AllowLimitBreach) };
        string target = parsed.GetValue(Target)!;
        if (!TargetNames.TryParse(target, out var kind)) throw new FormatException($"unknown target '{target}'; use one of {string.Join(", ", TargetNames.All)}");
        // A preset's faults need Flux's gateway; against a peer they are dropped (a surge stays), and the report says which target ran.
        if (kind != TargetKind.Flux) plan = plan with { Target = kind, Faults = [.. plan.Faults.Where(f => Flux.Protocol.Storms.Faults.FaultKinds.Of(f.Kind).RunsAgainstPeers)] };
        if (parsed.GetValue(Users) is { } users) plan = plan with { Users = users };
        if (parsed.GetValue(Guilds) is { } guilds) plan = plan with { Guilds = guilds };
        if (parsed.GetValue(Zipf) is { } zipf) plan = plan with { GuildSizes = GuildSizes.Zipf, ZipfExponent = zipf };
        if (parsed.GetValue(Rate) is { } rate) plan = plan with { Rate = rate };
        if (parsed.GetValue(BodyBytes) is { } body) plan = plan with { BodyBytes = body };
        if (parsed.GetValue(Duration) is { } duration) plan = plan with { Duration = duration };
        if (parsed.GetValue(Ramp) is { } ramp) plan = plan with { Ramp = ramp };
        if (parsed.GetValue(Tiers) is { } tiers) plan = plan with { Tiers = ParseTiers(tiers) };
        if (parsed.GetValue(P95) is { } p95) plan = plan with { Sla = plan.Sla with { P95Ms = p95 } };
        if (parsed.GetValue(P99) is { } p99) plan = plan with { Sla = plan.Sla with { P99Ms = p99 } };
        if (parsed.GetValue(SlaWindow) is { } window) plan = plan with { Sla = plan.Sla with { Window = window } };
        // Faults last: their default times depend on the ramp and duration.
        if (parsed.GetValue(NoFaults)) plan = plan with { Faults = [] };
        if (parsed.GetValue(SlowConsumers) is { } slow) plan = WithFault(plan, FaultKind.SlowConsumers, slow);
        if (parsed.GetValue(Partition) is { } partition) plan = WithFault(plan, FaultKind.Partition, partition);
        if (parsed.GetValue(Fuzz) is { } fuzz) plan = WithFault(plan, FaultKind.Fuzz, fuzz);
        if (parsed.GetValue(Surge) is { } surge) plan = WithSurge(plan, surge);
        return plan;
    }

    /// <exception cref="FormatException">Not three non-negative numbers.</exception>
    private static TierMix ParseTiers(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var shares = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out shares[i]) || shares[i] < 0)
            {
                shares = [];
                break;
            }
        }
        return shares.Length == 3
            ? new TierMix(shares[0], shares[1], shares[2])
            : throw new FormatException($"--tiers takes three non-negative shares, high,normal,low (e.g. 0.2,0.4,0.4), not '{text}'");
    }

    // Sets the factor of the plan's surge, adds one a fifth into the steady phase, or removes it (0).
    private static StormPlan WithSurge(StormPlan plan, double factor)
    {
        var others = plan.Faults.Where(f => f.Kind != FaultKind.Surge).ToList();
        if (factor <= 0) return plan with { Faults = others };
        var existing = plan.Faults.Where(f => f.Kind == FaultKind.Surge).Select(f => f with { Factor = factor }).ToList();
        if (existing.Count == 0) existing.Add(new FaultSpec(FaultKind.Surge, At: plan.Ramp + plan.Duration / 5, Duration: 30, Factor: factor));
        return plan with { Faults = [.. others, .. existing] };
    }

    // Sets the client count of the plan's fault of this kind, adds one a third into the steady phase, or removes it (0).
    private static StormPlan WithFault(StormPlan plan, FaultKind kind, int clients)
    {
        var others = plan.Faults.Where(f => f.Kind != kind).ToList();
        if (clients <= 0) return plan with { Faults = others };
        var existing = plan.Faults.Where(f => f.Kind == kind).Select(f => f with { Clients = clients }).ToList();
        if (existing.Count == 0) existing.Add(new FaultSpec(kind, At: plan.Ramp + plan.Duration / 3, Duration: 5, Clients: clients));
        return plan with { Faults = [.. others, .. existing] };
    }
}
