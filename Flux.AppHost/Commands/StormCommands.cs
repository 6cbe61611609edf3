using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flux.AppHost.Commands;

/// <summary>Resource commands on the swarm in the Aspire dashboard: they call the same gRPC StartStorm as the Flux dashboard.</summary>
internal static class StormCommands
{
    public static IResourceBuilder<ProjectResource> WithStartStormCommand(this IResourceBuilder<ProjectResource> swarm, string preset)
    {
        var grpc = swarm.GetEndpoint("grpc");
        return swarm.WithCommand($"start-{preset}-storm", $"Start {preset} storm", async context =>
        {
            using var channel = GrpcChannel.ForAddress(grpc.Url);
            var client = new SwarmControl.SwarmControlClient(channel);
            try
            {
                var reply = await client.StartStormAsync(StormPresets.Get(preset).ToMessage(), cancellationToken: context.CancellationToken);
                return CommandResults.Success($"Storm {reply.Id} started; watch it on the Flux dashboard.");
            }
            catch (RpcException ex)
            {
                return CommandResults.Failure(ex.Status.Detail);
            }
        }, new CommandOptions
        {
            Description = $"Runs the '{preset}' storm preset against the gateways.",
            IconName = "WeatherThunderstorm",
            IsHighlighted = true,
            // Only once the swarm is healthy: before that it cannot take the call.
            UpdateState = context => context.ResourceSnapshot.HealthStatus == HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }
}
