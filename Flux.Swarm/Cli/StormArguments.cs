using System.Globalization;
using Flux.Protocol.Storms;

namespace Flux.Swarm.Cli;

/// <summary>The command line of <c>storm</c>, turned into a plan. Unknown or malformed options are usage errors.</summary>
internal sealed record StormArguments(StormPlan Plan, IReadOnlyList<string> AdminUrls, string? ReportPath, int? Seed)
{
    public const string Usage = """
        Usage: dotnet run --project Flux.Swarm -- storm --gateway ws://127.0.0.1:5000/gateway [--gateway URL ...]
                 [--scenario seed|10k|smoke] [--users N] [--guilds N] [--zipf S] [--rate N] [--body-bytes N]
                 [--duration S] [--ramp S] [--slow-consumers N] [--partition N] [--no-faults]
                 [--p95 MS] [--p99 MS] [--sla-window S] [--admin http://127.0.0.1:5001 ...] [--report out.json] [--seed N]

          --gateway         a gateway WebSocket URL; repeat for several replicas (connections are spread over them)
          --admin           the gateway's gRPC admin URL, in the same order; needed for GC-pressure and drain faults
          --scenario        a preset (default seed); the other options override its fields
          --slow-consumers  clients that stop reading (0 removes the fault); --partition: clients cut off and resumed
          --report          where to write the JSON report; a Markdown twin is written next to it
        Needs Auth__SigningKey (base64, the gateways' key) in the environment to mint tokens.
        Exit code: 0 the SLA held and nothing was lost; 1 the SLA was violated or messages were lost; 2 usage or connection error.
        """;

    /// <exception cref="FormatException">The message says what is wrong.</exception>
    public static StormArguments Parse(string[] args)
    {
        string scenario = StormPresets.Seed;
        var gateways = new List<string>();
        var admins = new List<string>();
        var overrides = new List<Func<StormPlan, StormPlan>>();
        var faultOverrides = new List<Func<StormPlan, StormPlan>>(); // after the others: fault times depend on ramp and duration
        string? report = null;
        int? seed = null;
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{option} needs a value");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new FormatException($"{option} needs a whole number");
            double Number() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new FormatException($"{option} needs a number");
            switch (option)
            {
                case "--gateway": gateways.Add(Value()); break;
                case "--admin": admins.Add(Value()); break;
                case "--scenario": scenario = Value(); break;
                case "--report": report = Value(); break;
                case "--seed": seed = Int(); break;
                case "--users": { int v = Int(); overrides.Add(p => p with { Users = v }); break; }
                case "--guilds": { int v = Int(); overrides.Add(p => p with { Guilds = v }); break; }
                case "--zipf": { double v = Number(); overrides.Add(p => p with { GuildSizes = GuildSizes.Zipf, ZipfExponent = v }); break; }
                case "--rate": { double v = Number(); overrides.Add(p => p with { Rate = v }); break; }
                case "--body-bytes": { int v = Int(); overrides.Add(p => p with { BodyBytes = v }); break; }
                case "--duration": { double v = Number(); overrides.Add(p => p with { Duration = v }); break; }
                case "--ramp": { double v = Number(); overrides.Add(p => p with { Ramp = v }); break; }
                case "--p95": { double v = Number(); overrides.Add(p => p with { Sla = p.Sla with { P95Ms = v } }); break; }
                case "--p99": { double v = Number(); overrides.Add(p => p with { Sla = p.Sla with { P99Ms = v } }); break; }
                case "--sla-window": { double v = Number(); overrides.Add(p => p with { Sla = p.Sla with { Window = v } }); break; }
                case "--slow-consumers": { int v = Int(); faultOverrides.Add(p => WithFault(p, FaultKind.SlowConsumers, v)); break; }
                case "--partition": { int v = Int(); faultOverrides.Add(p => WithFault(p, FaultKind.Partition, v)); break; }
                case "--no-faults": faultOverrides.Insert(0, p => p with { Faults = [] }); break;
                default: throw new FormatException($"unknown option '{option}'");
            }
        }
        if (!StormPresets.TryGet(scenario, out var plan))
        {
            throw new FormatException($"unknown scenario '{scenario}'; use one of {string.Join(", ", StormPresets.Names)}");
        }
        if (gateways.Count == 0) throw new FormatException("at least one --gateway is required");
        if (admins.Count > gateways.Count) throw new FormatException("more --admin URLs than --gateway URLs");
        plan = overrides.Concat(faultOverrides).Aggregate(plan with { Gateways = gateways }, (p, apply) => apply(p));
        return new StormArguments(plan, admins, report, seed);
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
