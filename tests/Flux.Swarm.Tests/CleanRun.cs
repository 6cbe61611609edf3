using Flux.Swarm.Cli;

namespace Flux.Swarm.Tests;

/// <summary>
/// What a storm that ought to pass may end as in a test: passed, or inconclusive only because the swarm could not keep
/// its own schedule (a busy CI machine, beside a browser test), which the verdict says in those words. Never failed.
/// </summary>
internal static class CleanRun
{
    public static bool IsNotFailed(int exit, string? verdict) =>
        exit == ExitCodes.Passed
        || (exit == ExitCodes.Inconclusive && (verdict ?? "").Contains("The swarm itself was a bottleneck", StringComparison.Ordinal));
}
