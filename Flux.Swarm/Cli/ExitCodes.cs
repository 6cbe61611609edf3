namespace Flux.Swarm.Cli;

/// <summary>What <c>storm</c> exits with (README and docs/benchmarks.md, "Verdicts").</summary>
internal static class ExitCodes
{
    /// <summary>The SLA held, and every effect was explained by an injected fault within its allowance.</summary>
    public const int Passed = 0;

    /// <summary>The storm failed its verdict (an SLA breach, a loss, a duplicate, an unexpected close...), or a comparison found a regression.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments, a plan the target's limits refuse, no signing key, or a gateway that cannot be reached.</summary>
    public const int UsageOrConnection = 2;

    /// <summary>The swarm itself could not keep its schedule: the run says nothing either way.</summary>
    public const int Inconclusive = 3;

    public static int ForOutcome(string outcome) => outcome switch
    {
        Flux.Protocol.Storms.Reports.StormOutcomes.Passed => Passed,
        Flux.Protocol.Storms.Reports.StormOutcomes.Inconclusive => Inconclusive,
        _ => Failed,
    };
}
