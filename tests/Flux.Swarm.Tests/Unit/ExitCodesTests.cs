using Flux.Swarm.Cli;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// What <c>storm</c> exits with. StormCommand maps a report with Passed to <see cref="ExitCodes.Passed"/> and any
/// other to <see cref="ExitCodes.Failed"/>; usage and connection problems are <see cref="ExitCodes.UsageOrConnection"/>.
/// The mapping itself runs end to end in <c>StormCommandTests</c>; this pins the numbers scripts rely on.
/// </summary>
public sealed class ExitCodesTests
{
    [Fact]
    public void Passed_failed_and_usage_are_zero_one_and_two()
    {
        Assert.Equal((0, 1, 2), (ExitCodes.Passed, ExitCodes.Failed, ExitCodes.UsageOrConnection));
    }

    [Fact]
    public void The_usage_text_documents_the_same_codes()
    {
        Assert.Contains(
            $"Exit code: {ExitCodes.Passed} the SLA held and nothing was lost; {ExitCodes.Failed} the SLA was violated or messages were lost; " +
            $"{ExitCodes.UsageOrConnection} usage or connection error.",
            StormArguments.Usage);
    }
}
