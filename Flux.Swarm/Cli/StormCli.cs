using System.CommandLine;

namespace Flux.Swarm.Cli;

/// <summary>
/// The headless command line, on System.CommandLine: <c>storm [options]</c> runs a storm against gateways and judges it;
/// <c>storm compare BASE.json NEW.json</c> compares two reports. Usage errors exit 2 with the reason and the usage.
/// </summary>
internal static class StormCli
{
    public const string ExitCodesHelp =
        "Exit codes: 0 passed (the SLA held and every effect was explained by an injected fault within its allowance); " +
        "1 failed (the verdict lists every cause; for compare: a regression); 2 usage or connection error (also a plan the " +
        "gateway's limits refuse); 3 inconclusive (the swarm could not keep its schedule, and all that went wrong is what a slow swarm " +
        "can cause: an SLA breach, 4009 closes, connects that timed out).";

    public static RootCommand Build() => Create().Root;

    /// <summary>The root command and the options it reads, so a caller can read a parse result back into a plan.</summary>
    public static (RootCommand Root, StormOptions Options) Create()
    {
        var options = new StormOptions();
        var root = new RootCommand(
            "Runs a storm of simulated users against Flux gateways, injects the plan's faults, measures every delivery " +
            "and judges the run. Needs Auth__SigningKey (base64, the gateways' key) in the environment to mint tokens, " +
            "and Admin__Key for the admin faults. " + ExitCodesHelp);
        foreach (var option in options.All) root.Add(option);
        root.SetAction((parsed, cancellation) => StormCommand.RunAsync(parsed, options));
        root.Add(CompareCommand.Build());
        return (root, options);
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Build().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync("Run 'storm --help' for the options.").ConfigureAwait(false);
            return ExitCodes.UsageOrConnection;
        }
        return await parsed.InvokeAsync().ConfigureAwait(false);
    }
}
