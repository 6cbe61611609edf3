using Flux.Protocol.Storms;
using Flux.Protocol.Wire;

namespace Flux.Swarm.Storms;

/// <summary>
/// Checks a plan against the limits the target advertises in <c>hello</c>, before the storm starts: a plan that would
/// trip them measures the limits, not the system. Each user sends a Poisson stream at rate/users, so a plan passes only
/// if even a busy window stays within the send limit: the mean sends per window plus six standard deviations (about
/// one chance in a billion per window).
/// </summary>
internal static class PlanCheck
{
    private const double Deviations = 6;

    /// <summary>What a msg-carrying send adds to its body in bytes: op, guild, nonce, ts and trace fields.</summary>
    private const int SendOverheadBytes = 250;

    /// <summary>Breaches of the send-rate limit: allowed with <see cref="StormPlan.AllowLimitBreach"/>.</summary>
    public static IReadOnlyList<string> RateBreaches(StormPlan plan, GatewayLimits limits)
    {
        var breaches = new List<string>();
        if (limits.Sends <= 0 || limits.WindowSeconds <= 0) return breaches;
        double mean = plan.BusiestWindowSendsPerUser(limits.WindowSeconds);
        double busy = mean + Deviations * Math.Sqrt(mean);
        if (busy > limits.Sends)
        {
            string surge = plan.Faults.Any(f => f.Kind == FaultKind.Surge) ? " before any surge, more during one" : "";
            breaches.Add($"the plan sends {plan.RatePerUser:0.###} msg/s per user ({plan.Rate:N0} msg/s over {plan.Users:N0} users{surge}), " +
                $"{mean:0.#} per {limits.WindowSeconds} s window on average and up to about {busy:0} in a busy one; the gateway allows " +
                $"{limits.Sends} per {limits.WindowSeconds} s per user ({limits.SendsPerSecond:0.##} msg/s), so users would be closed with 4008. " +
                $"Lower --rate to about {MaxRate(plan, limits):N0} msg/s, add users, or pass --allow-limit-breach to run anyway and judge the 4008 closes as a fault.");
        }
        if (limits.HeartbeatsPerInterval is > 0 and < 2)
        {
            breaches.Add($"the gateway allows {limits.HeartbeatsPerInterval} heartbeat per interval; the swarm sends one every ¾ interval");
        }
        return breaches;
    }

    /// <summary>Breaches no flag allows: frames the target would close every time.</summary>
    public static IReadOnlyList<string> HardBreaches(StormPlan plan, GatewayLimits limits)
    {
        var breaches = new List<string>();
        if (limits.FrameBytes > 0 && plan.BodyBytes + SendOverheadBytes > limits.FrameBytes)
        {
            breaches.Add($"body bytes {plan.BodyBytes} make sends of about {plan.BodyBytes + SendOverheadBytes} bytes; the gateway takes at most {limits.FrameBytes}");
        }
        if (limits.BodyChars > 0 && plan.BodyBytes > limits.BodyChars)
        {
            breaches.Add($"body bytes {plan.BodyBytes} are over the gateway's body limit of {limits.BodyChars}");
        }
        return breaches;
    }

    /// <summary>Why the target's advertised limits refuse the plan (a usage error), or null.</summary>
    public static string? Refusal(StormPlan plan, GatewayLimits limits)
    {
        var hard = HardBreaches(plan, limits);
        if (hard.Count > 0) return "the gateway's limits refuse this plan: " + string.Join("; ", hard);
        var rate = RateBreaches(plan, limits);
        return rate.Count > 0 && !plan.AllowLimitBreach ? "the gateway's limits refuse this plan: " + string.Join("; ", rate) : null;
    }

    // The highest aggregate rate whose busy window still fits the limit: solve m + d·√m = sends for m, then scale the
    // plan's rate by how far its busiest window (surges included) is from m.
    private static double MaxRate(StormPlan plan, GatewayLimits limits)
    {
        double root = (-Deviations + Math.Sqrt(Deviations * Deviations + 4 * limits.Sends)) / 2;
        double perWindow = root * root;
        return Math.Floor(plan.Rate * perWindow / plan.BusiestWindowSendsPerUser(limits.WindowSeconds));
    }
}
