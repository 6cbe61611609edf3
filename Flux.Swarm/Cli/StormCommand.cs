using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Swarm.Reporting;
using Flux.Swarm.Storms;
using Flux.Swarm.Telemetry;
using Grpc.Net.Client;
using Spectre.Console;

namespace Flux.Swarm.Cli;

/// <summary>
/// <c>storm</c>: the seed's verify.sh done properly. Runs one storm against the given gateways without Aspire,
/// shows live progress, prints a summary and the SLA verdict, writes the report, and exits 0, 1 or 2.
/// </summary>
internal static class StormCommand
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(StormArguments.Usage);
            return ExitCodes.Passed;
        }
        StormArguments arguments;
        TokenIssuer tokens;
        try
        {
            arguments = StormArguments.Parse(args);
            tokens = new TokenIssuer(SigningKey.FromBase64(Environment.GetEnvironmentVariable("Auth__SigningKey")));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return UsageError(ex.Message);
        }
        var errors = StormPlanValidator.Validate(arguments.Plan);
        if (errors.Count > 0) return UsageError(string.Join(Environment.NewLine, errors));

        // The admin key comes from the environment, like the signing key, so it never shows in a process list.
        string? adminKey = Environment.GetEnvironmentVariable("Admin__Key");
        var gateways = arguments.Plan.Gateways.Select((url, i) => new GatewayTarget(
            $"gateway {i}", new Uri(url),
            i < arguments.AdminUrls.Count ? new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(GrpcChannel.ForAddress(arguments.AdminUrls[i]), adminKey)) : null)).ToList();
        foreach (var gateway in gateways)
        {
            if (await GatewayProbe.CheckAsync(gateway.WebSocket, ProbeTimeout).ConfigureAwait(false) is { } problem)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach {gateway.WebSocket}: {problem}").ConfigureAwait(false);
                return ExitCodes.UsageOrConnection;
            }
        }

        using var host = CliServices.Create();
        var run = StormRun.Start(arguments.Plan, gateways, tokens, host.Metrics, host.Logger, seed: arguments.Seed);
        using var cancel = new CancelOnCtrlC(run);
        await ConsoleProgress.ShowAsync(run).ConfigureAwait(false);
        await run.Completion.ConfigureAwait(false);

        if (run.Report is not { } report)
        {
            await Console.Error.WriteLineAsync($"error: the storm failed: {run.Error}").ConfigureAwait(false);
            return ExitCodes.UsageOrConnection;
        }
        ConsoleProgress.PrintSummary(report);
        if (arguments.ReportPath is { } path)
        {
            string markdown = ReportWriter.WriteFiles(report, path);
            AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(Path.GetFullPath(path))}[/] and {Markup.Escape(markdown)}");
        }
        return report.Passed ? ExitCodes.Passed : ExitCodes.Failed;
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine();
        Console.Error.WriteLine(StormArguments.Usage);
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
