namespace Flux.Swarm.Cli;

/// <summary>What <c>storm</c> exits with.</summary>
internal static class ExitCodes
{
    /// <summary>The SLA held and nothing was lost.</summary>
    public const int Passed = 0;

    /// <summary>The SLA was violated, or messages were lost.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments, no signing key, or a gateway that cannot be reached.</summary>
    public const int UsageOrConnection = 2;
}
