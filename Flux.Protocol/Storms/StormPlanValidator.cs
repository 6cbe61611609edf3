namespace Flux.Protocol.Storms;

/// <summary>Checks a plan before a run; every message names the field and what is allowed.</summary>
public static class StormPlanValidator
{
    public const int MaxUsers = 100_000;
    public const double MaxRate = 200_000;
    public const double MaxSeconds = 3_600;
    public const int MaxFuzzClients = 1_000;
    public const double MaxSurgeFactor = 20;

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
            // Peers have no resume, no admin service and no epochs: only a surge (load alone) means the same there.
            foreach (var fault in plan.Faults.Where(f => f.Kind != FaultKind.Surge).Select(f => f.Kind).Distinct())
            {
                errors.Add($"fault {fault} needs Flux's gateway (resume, admin, epochs); a {plan.Target.ToWire()} storm runs without it (use no faults, or a surge).");
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
            Check(fault.At >= 0 && fault.At < plan.TotalSeconds, $"{name}: start must be within the run (0 to {plan.TotalSeconds:0.#} s).");
            Check(fault.Kind is FaultKind.Drain or FaultKind.KillGateway or FaultKind.RestartRedis || fault.Duration is > 0 and <= MaxSeconds,
                $"{name}: duration must be above 0 s.");
            if (fault.Kind is FaultKind.SlowConsumers or FaultKind.Partition)
            {
                Check(fault.Clients >= 1 && fault.Clients <= plan.Users, $"{name}: clients must be between 1 and the number of users.");
            }
            if (fault.Kind == FaultKind.Fuzz)
            {
                Check(fault.Clients is >= 1 and <= MaxFuzzClients, $"{name}: clients must be between 1 and {MaxFuzzClients}.");
            }
            if (fault.Kind == FaultKind.GcPressure)
            {
                Check(fault.MegabytesPerSecond is > 0 and <= 4_096, $"{name}: MB/s must be between 0 and 4096.");
            }
            if (fault.Kind == FaultKind.Surge)
            {
                Check(fault.Factor is > 1 and <= MaxSurgeFactor, $"{name}: factor must be above 1 and at most {MaxSurgeFactor}.");
                Check(plan.Rate * Math.Max(1, fault.Factor) <= MaxRate, $"{name}: the surge's peak rate must be at most {MaxRate:N0} messages/s.");
            }
            if (fault.Kind is FaultKind.GcPressure or FaultKind.Drain or FaultKind.KillGateway)
            {
                Check(fault.Gateway >= -1 && fault.Gateway < Math.Max(1, plan.Gateways.Count), $"{name}: gateway must be -1 (all) or an index into the gateway list.");
            }
        }
        return errors;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.DnsSafeHost, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
