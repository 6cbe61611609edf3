using System.CommandLine;
using Flux.Protocol.Admin;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Distributed;
using Flux.Swarm.Reporting;
using Flux.Swarm.Runs;
using Flux.Swarm.Storms;
using Grpc.Net.Client;
using Spectre.Console;

namespace Flux.Swarm.Cli;

/// <summary>
/// <c>storm</c>: the seed's verify.sh done properly. Runs one storm against the given gateways without Aspire: probes
/// them, checks the plan against the limits they advertise, shows live progress, prints a summary and the verdict,
/// writes the reports, and exits 0, 1, 2 or 3 (<see cref="ExitCodes"/>).
/// </summary>
internal static class StormCommand
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

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
        var errors = StormPlanValidator.Validate(plan);
        if (errors.Count > 0) return UsageError(string.Join(Environment.NewLine, errors));
        string[] admins = parsed.GetValue(options.Admin) ?? [];
        if (admins.Length > plan.Gateways.Count) return UsageError("more --admin URLs than --gateway URLs");
        string? redis = parsed.GetValue(options.Redis);
        if (plan.Faults.Any(f => f.Kind == FaultKind.RestartRedis) && redis is null)
        {
            return UsageError("the restart-redis fault needs --redis host:port (the backplane the gateways use)");
        }

        // The admin key comes from the environment, like the signing key, so it never shows in a process list.
        string? adminKey = Environment.GetEnvironmentVariable("Admin__Key");
        var gateways = plan.Gateways.Select((url, i) => new GatewayTarget(
            $"gateway {i}", new Uri(url),
            i < admins.Length ? new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(GrpcChannel.ForAddress(admins[i]), adminKey)) : null)).ToList();
        foreach (var gateway in gateways)
        {
            var probe = await GatewayProbe.ProbeAsync(gateway.WebSocket, ProbeTimeout, plan.Target).ConfigureAwait(false);
            if (!probe.Reached)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach {gateway.WebSocket}: {probe.Problem}").ConfigureAwait(false);
                return ExitCodes.UsageOrConnection;
            }
            if (probe.Limits is { } limits && PlanCheck.Refusal(plan, limits) is { } refusal) return UsageError(refusal);
        }

        using var host = CliServices.Create();
        string runId = StormRun.NewRunId();
        int seed = parsed.GetValue(options.Seed) ?? Random.Shared.Next();
        // With agents this process is the coordinator and runs shard 0 (docs/protocol.md, "Distributed storms").
        ShardCoordinator? coordinator = null;
        ShardRole? role = null;
        try
        {
            coordinator = await ConnectAgentsAsync(parsed.GetValue(options.Agent) ?? [], plan).ConfigureAwait(false);
            if (coordinator is not null) role = await coordinator.StartAsync(runId, seed, plan, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or Grpc.Core.RpcException)
        {
            if (coordinator is not null) await coordinator.DisposeAsync().ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrConnection;
        }
        await using var agents = coordinator;
        var run = StormRun.Start(plan, gateways, tokens, host.Metrics, host.Logger, runId, seed, redis, role);
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

    private static async Task<ShardCoordinator?> ConnectAgentsAsync(string[] agents, StormPlan plan)
    {
        if (agents.Length == 0) return null;
        var urls = new List<Uri>();
        foreach (string agent in agents)
        {
            if (!Uri.TryCreate(agent, UriKind.Absolute, out var url)) throw new FormatException($"--agent {agent} is not a URL");
            urls.Add(url);
        }
        return await ShardCoordinator.ConnectAsync(urls, plan, CancellationToken.None).ConfigureAwait(false);
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
