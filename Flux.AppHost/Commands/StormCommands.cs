using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Flux.Protocol.Control;
using Flux.Protocol.Security;
using Flux.Protocol.Storms;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flux.AppHost.Commands;

/// <summary>
/// Resource commands on the swarm in the Aspire dashboard: they call the same gRPC StartStorm as the Flux dashboard,
/// then watch the storm to its end and report its verdict (passed, violated or inconclusive, with every cause).
/// </summary>
internal static class StormCommands
{
    public static IResourceBuilder<ProjectResource> WithStartStormCommand(this IResourceBuilder<ProjectResource> swarm, string preset,
        IResourceBuilder<ParameterResource> swarmKey, bool highlighted = true)
    {
        var grpc = swarm.GetEndpoint("grpc");
        return swarm.WithCommand($"start-{preset}-storm", $"Start {preset} storm", async context =>
        {
            using var channel = GrpcChannel.ForAddress(grpc.Url);
            var client = new SwarmControl.SwarmControlClient(ServiceKey.Swarm.Attach(channel, await swarmKey.Resource.GetValueAsync(context.CancellationToken)));
            try
            {
                var reply = await client.StartStormAsync(StormPresets.Get(preset).ToMessage(), cancellationToken: context.CancellationToken);
                return await AwaitVerdictAsync(client, reply.Id, context.CancellationToken);
            }
            catch (RpcException ex)
            {
                return CommandResults.Failure(ex.Status.Detail);
            }
        }, new CommandOptions
        {
            Description = $"Runs the '{preset}' storm preset against the gateways and reports its verdict when it ends.",
            IconName = "WeatherThunderstorm",
            IsHighlighted = highlighted,
            // Only once the swarm is healthy: before that it cannot take the call.
            UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    /// <summary>
    /// "Start storm…": the same storm commands, with arguments (preset, users, guilds, rate, duration, target, faults)
    /// asked for in a dialog by the Aspire dashboard, or given positionally by the Aspire CLI. They are checked by the
    /// plan validator before anything starts, and the errors show beside their inputs.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithStartStormWithArgumentsCommand(this IResourceBuilder<ProjectResource> swarm,
        IResourceBuilder<ParameterResource> swarmKey, IReadOnlyList<IResourceBuilder<ProjectResource>> gateways)
    {
        var grpc = swarm.GetEndpoint("grpc");
        var names = gateways.Select(g => g.Resource.Name).ToList();
        // A target of one gateway is its WebSocket URL, read when the command runs (the ports are known by then).
        IReadOnlyDictionary<string, string> GatewayUrls() => gateways.ToDictionary(g => g.Resource.Name,
            g => new UriBuilder(g.GetEndpoint("http").Url) { Scheme = "ws", Path = "/gateway", Query = "v=1" }.Uri.ToString());
        return swarm.WithCommand("start-storm", "Start storm…", async context =>
        {
            var (plan, errors) = StormArguments.Parse(name => context.Arguments.TryGetByName(name, out var input) ? input.Value : null, GatewayUrls());
            if (plan is null) return CommandResults.Failure(string.Join(" ", errors.Select(e => e.Message)));
            using var channel = GrpcChannel.ForAddress(grpc.Url);
            var client = new SwarmControl.SwarmControlClient(ServiceKey.Swarm.Attach(channel, await swarmKey.Resource.GetValueAsync(context.CancellationToken)));
            try
            {
                var reply = await client.StartStormAsync(plan.ToMessage(), cancellationToken: context.CancellationToken);
                return await AwaitVerdictAsync(client, reply.Id, context.CancellationToken);
            }
            catch (RpcException ex)
            {
                return CommandResults.Failure(ex.Status.Detail);
            }
        }, new CommandOptions
        {
            Description = "Runs a storm of the preset you pick, with your users, guilds, rate, duration, target and faults, and reports its verdict when it ends.",
            IconName = "WeatherThunderstorm",
            IsHighlighted = false,
            Arguments = StormArguments.Inputs(names),
            ValidateArguments = context =>
            {
                var (_, errors) = StormArguments.Parse(name => context.Inputs.TryGetByName(name, out var input) ? input.Value : null, GatewayUrls());
                foreach (var (input, message) in errors) context.AddValidationError(input, message);
                // The dialog shows each message by its field and the Aspire CLI prints them; the swarm's console log
                // keeps them too, for whoever ran the command some other way.
                if (errors.Count > 0)
                {
                    context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(swarm.Resource)
                        .LogWarning("Start storm… refused: {Errors}", string.Join(" ", errors.Select(e => e.Message)));
                }
                return Task.CompletedTask;
            },
            UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    /// <summary>Follows the storm to its final snapshot; the command's result carries the verdict the page and the CLI show.</summary>
    internal static async Task<ExecuteCommandResult> AwaitVerdictAsync(SwarmControl.SwarmControlClient client, string id, CancellationToken cancellationToken)
    {
        using var watch = client.WatchStorm(new StormRef { Id = id }, cancellationToken: cancellationToken);
        StormSnapshot? last = null;
        await foreach (var snapshot in watch.ResponseStream.ReadAllAsync(cancellationToken))
        {
            last = snapshot;
        }
        var status = await client.GetStormAsync(new StormRef { Id = id }, cancellationToken: cancellationToken);
        return Verdict(id, status.Outcome, status.Verdict is { Length: > 0 } verdict ? verdict : last?.Verdict ?? "", status.ReportMarkdown);
    }

    /// <summary>"Storm s1 passed: passed" or "Storm s1 violated: SLA violated: ...", with the report as Markdown when there is one.</summary>
    internal static ExecuteCommandResult Verdict(string id, StormOutcome outcome, string verdict, string reportMarkdown)
    {
        string text = $"Storm {id} {StormOutcomeMapping.ToText(outcome) switch { "" => "ended", var word => word }}: {verdict}";
        bool passed = outcome == StormOutcome.Passed;
        if (string.IsNullOrEmpty(reportMarkdown)) return passed ? CommandResults.Success(text) : CommandResults.Failure(text);
        return passed
            ? CommandResults.Success(text, reportMarkdown, CommandResultFormat.Markdown)
            : CommandResults.Failure(text, reportMarkdown, CommandResultFormat.Markdown);
    }
}
