using Flux.Swarm.Cli;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// What <c>storm</c> exits with: the numbers scripts rely on, and the help that documents them. The mapping from a
/// report's outcome runs end to end in <c>StormCommandTests</c>.
/// </summary>
public sealed class ExitCodesTests
{
    [Fact]
    public void Passed_failed_usage_and_inconclusive_are_zero_one_two_and_three()
    {
        Assert.Equal((0, 1, 2, 3), (ExitCodes.Passed, ExitCodes.Failed, ExitCodes.UsageOrConnection, ExitCodes.Inconclusive));
    }

    [Theory]
    [InlineData("passed", ExitCodes.Passed)]
    [InlineData("failed", ExitCodes.Failed)]
    [InlineData("inconclusive", ExitCodes.Inconclusive)]
    public void Each_outcome_has_its_exit_code(string outcome, int exit)
    {
        Assert.Equal(exit, ExitCodes.ForOutcome(outcome));
    }

    [Fact]
    public void The_help_documents_every_exit_code()
    {
        string help = StormCli.Build().Description!;

        Assert.Contains("0 passed", help);
        Assert.Contains("1 failed", help);
        Assert.Contains("2 usage or connection error", help);
        Assert.Contains("3 inconclusive", help);
    }
}
