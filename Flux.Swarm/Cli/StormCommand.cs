using System.CommandLine;
using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Reporting;
using Flux.Swarm.Runs;
using Flux.Swarm.Storms;
using Grpc.Net.Client;
using Spectre.Console;

namespace Flux.Swarm.Cli;

/// <summary>
/// <c>storm</c>: the seed's verify.sh done properly. Runs one storm against the given gateways without Aspire (started
/// by <see cref="StormLauncher"/>, as the swarm service starts its storms), shows live progress, prints a summary and
/// the verdict, writes the reports, and exits 0, 1, 2 or 3 (<see cref="ExitCodes"/>).
/// </summary>
internal static class StormCommand
{
    public static async Task<int> RunAsync(ParseResult parsed, StormOptions options)
    {
        StormPlan plan;
        TokenIssuer tokens;
        try
        {
            plan = options.ToPlan(parsed);
            tokens = new TokenIssuer(SigningKey.FromBase64(Environment.GetEnvironmentVariable("Auth__SigningKey")));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return UsageError(ex.Message);
        }
        string[] admins = parsed.GetValue(options.Admin) ?? [];
        if (admins.Length > plan.Gateways.Count) return UsageError("more --admin URLs than --gateway URLs");
        string? redis = parsed.GetValue(options.Redis);
        if (plan.Faults.Any(f => f.Kind == FaultKind.RestartRedis) && redis is null)
        {
            return UsageError("the restart-redis fault needs --redis host:port (the backplane the gateways use)");
        }

        // The admin key comes from the environment, like the signing key, so it never shows in a process list.
        string? adminKey = Environment.GetEnvironmentVariable("Admin__Key");
        var gateways = new List<GatewayTarget>();
        for (int i = 0; i < plan.Gateways.Count; i++)
        {
            // The launcher checks the rest of the plan; a URL must parse to be probed at all.
            if (!Uri.TryCreate(plan.Gateways[i], UriKind.Absolute, out var url)) return UsageError($"gateway '{plan.Gateways[i]}' must be an absolute ws:// or wss:// URL.");
            var admin = i < admins.Length ? new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(GrpcChannel.ForAddress(admins[i]), adminKey)) : null;
            gateways.Add(new GatewayTarget($"gateway {i}", url, admin));
        }
        var agents = new List<Uri>();
        foreach (string agent in parsed.GetValue(options.Agent) ?? [])
        {
            if (!Uri.TryCreate(agent, UriKind.Absolute, out var url)) return UsageError($"--agent {agent} is not a URL");
            agents.Add(url);
        }

        using var host = CliServices.Create();
        StormRun run;
        try
        {
            run = await new StormLauncher(tokens, host.Metrics, host.Logger)
                .LaunchAsync(new StormLaunch(plan, gateways, agents, redis, parsed.GetValue(options.Seed),
                    AgentKey: Environment.GetEnvironmentVariable("Swarm__Key"), AllowInsecureAgents: parsed.GetValue(options.AllowInsecureAgents)), CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return UsageError(ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrConnection;
        }
        using var cancel = new CancelOnCtrlC(run);
        await ConsoleProgress.ShowAsync(run).ConfigureAwait(false);
        await run.Completion.ConfigureAwait(false);

        if (run.Report is not { } report)
        {
            await Console.Error.WriteLineAsync($"error: the storm failed: {run.Error}").ConfigureAwait(false);
            return ExitCodes.UsageOrConnection;
        }
        ConsoleProgress.PrintSummary(report);
        if (parsed.GetValue(options.Report) is { } path)
        {
            string markdown = ReportWriter.WriteFiles(report, path);
            AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.GetFullPath(path))}[/] and {Markup.Escape(markdown)}");
        }
        if (parsed.GetValue(options.JUnit) is { } junit)
        {
            JUnitWriter.Write(report, junit);
            AnsiConsole.MarkupLine($"JUnit: [bold]{Markup.Escape(Path.GetFullPath(junit))}[/]");
        }
        return ExitCodes.ForOutcome(report.Outcome);
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine("Run 'storm --help' for the options.");
        return ExitCodes.UsageOrConnection;
    }

    /// <summary>The first Ctrl+C ends the steady phase (the storm still drains and reports); a second one quits.</summary>
    private sealed class CancelOnCtrlC : IDisposable
    {
        private readonly StormRun _run;

        public CancelOnCtrlC(StormRun run)
        {
            _run = run;
            Console.CancelKeyPress += OnCancel;
        }

        public void Dispose() => Console.CancelKeyPress -= OnCancel;

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (_run.StopRequested) return;
            e.Cancel = true;
            _run.Stop();
        }
    }
}
