using Flux.Protocol.Storms.Faults;

namespace Flux.Protocol.Storms;

/// <summary>Checks a plan before a run; every message names the field and what is allowed.</summary>
public static class StormPlanValidator
{
    public const int MaxUsers = 100_000;
    public const double MaxRate = 200_000;
    public const double MaxSeconds = 3_600;

    /// <param name="gatewaysRequired">False where the swarm fills in the gateways it discovered (the dashboard form).</param>
    public static IReadOnlyList<string> Validate(StormPlan plan, bool allowRemoteGateways = false, bool gatewaysRequired = true)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok) errors.Add(message);
        }

        Check(plan.Users is >= 1 and <= MaxUsers, $"users must be between 1 and {MaxUsers:N0}.");
        Check(plan.Guilds >= 1 && plan.Guilds <= Math.Max(1, plan.Users), "guilds must be at least 1 and at most the number of users.");
        Check(plan.GuildSizes != GuildSizes.Zipf || plan.ZipfExponent is > 0 and <= 5, "zipf exponent must be in (0, 5].");
        Check(plan.Rate is > 0 and <= MaxRate, $"rate must be above 0 and at most {MaxRate:N0} messages/s.");
        Check(plan.BodyBytes is >= 1 and <= Wire.ProtocolLimits.MaxBodyChars, $"body bytes must be between 1 and {Wire.ProtocolLimits.MaxBodyChars}.");
        Check(plan.Duration is >= 1 and <= MaxSeconds, $"duration must be between 1 and {MaxSeconds:N0} s.");
        Check(plan.Ramp is >= 0 and <= MaxSeconds, $"ramp must be between 0 and {MaxSeconds:N0} s.");
        Check(plan.Tiers.High >= 0 && plan.Tiers.Normal >= 0 && plan.Tiers.Low >= 0 && plan.Tiers.High + plan.Tiers.Normal + plan.Tiers.Low > 0,
            "tier shares must be non-negative and not all zero.");
        Check(plan.Sla.P95Ms > 0 && plan.Sla.P99Ms > 0, "SLA p95 and p99 limits must be above 0 ms.");
        Check(plan.Sla.Window is > 0 and <= MaxSeconds, "SLA window must be above 0 s.");
        Check(!gatewaysRequired || plan.Gateways.Count >= 1, "at least one gateway URL is required.");
        Check(plan.Target == TargetKind.Flux || plan.Gateways.Count >= 1, $"a {plan.Target.ToWire()} target needs its server URLs in gateways.");
        if (plan.Target != TargetKind.Flux)
        {
            // Peers have no resume, no admin service and no epochs: only load alone (a surge) means the same there.
            foreach (var kind in plan.Faults.Select(f => FaultKinds.Of(f.Kind)).Where(k => !k.RunsAgainstPeers).Distinct())
            {
                errors.Add($"fault {kind.Kind} needs Flux's gateway (resume, admin, epochs); a {plan.Target.ToWire()} storm runs without it (use no faults, or a surge).");
            }
        }
        foreach (string gateway in plan.Gateways)
        {
            if (!Uri.TryCreate(gateway, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
            {
                errors.Add($"gateway '{gateway}' must be an absolute ws:// or wss:// URL.");
            }
            else if (!allowRemoteGateways && !IsLoopback(uri))
            {
                errors.Add($"gateway '{gateway}' is not on this machine; storms only target loopback addresses.");
            }
        }
        for (int i = 0; i < plan.Faults.Count; i++)
        {
            var fault = plan.Faults[i];
            string name = $"fault {i + 1} ({fault.Kind})";
            if (!Enum.IsDefined(fault.Kind))
            {
                errors.Add($"{name}: not a fault kind; use one of {string.Join(", ", FaultKinds.All.Select(k => k.Name))}.");
                continue;
            }
            Check(fault.At >= 0 && fault.At < plan.TotalSeconds, $"{name}: start must be within the run (0 to {plan.TotalSeconds:0.#} s).");
            errors.AddRange(FaultKinds.Of(fault.Kind).Validate(fault, plan, name));
        }
        return errors;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.DnsSafeHost, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
