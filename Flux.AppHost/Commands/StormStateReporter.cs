using Flux.Protocol.Control;
using Flux.Protocol.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flux.AppHost.Commands;

/// <summary>
/// While a storm runs, whoever started it (the page, a command, the CLI), the swarm's state in the Aspire dashboard
/// says so, e.g. "storm seed 35/70 s, p99 12 ms", updated about once a second; it is Running again when the storm
/// ends. It asks the swarm for its recent storms every two seconds (a poll, so untraced) and follows a running one
/// with WatchStorm.
/// </summary>
internal sealed class StormStateReporter(
    IResource swarm,
    EndpointReference grpc,
    ParameterResource swarmKey,
    ResourceNotificationService notifications,
    IHostApplicationLifetime lifetime,
    ILogger<StormStateReporter> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PublishInterval = TimeSpan.FromSeconds(1);
    private const int RecentStorms = 20;

    private Task? _running;

    public void Start() => _running ??= RunAsync(lifetime.ApplicationStopping);

    /// <summary>"storm seed 35/70 s, p99 12 ms": the scenario, seconds of the planned total, this second's p99.</summary>
    internal static string Describe(string scenario, double elapsedS, double totalS, double p99Ms) =>
        $"storm {scenario} {elapsedS:0}/{totalS:0} s, p99 {p99Ms:0} ms";

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            var healthy = await notifications.WaitForResourceHealthyAsync(swarm.Name, stopping).ConfigureAwait(false);
            string resourceId = healthy.ResourceId;
            using var channel = GrpcChannel.ForAddress(grpc.Url);
            var client = new SwarmControl.SwarmControlClient(ServiceKey.Swarm.Attach(channel, await swarmKey.GetValueAsync(stopping).ConfigureAwait(false)));
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    // The running storm, wherever the history's order puts it: with earlier storms in the history it
                    // was not always first (CI), and one runs at a time.
                    var storms = (await client.ListStormsAsync(new ListStormsRequest { Limit = RecentStorms }, cancellationToken: stopping).ConfigureAwait(false)).Storms;
                    if (storms.FirstOrDefault(s => s.Phase is StormPhase.Ramping or StormPhase.Steady or StormPhase.Draining) is { } running)
                    {
                        logger.LogInformation("Showing storm {StormId} in the swarm's state", running.Id);
                        await FollowAsync(client, resourceId, running, stopping).ConfigureAwait(false);
                    }
                }
                catch (RpcException ex) when (!stopping.IsCancellationRequested)
                {
                    logger.LogInformation("The swarm did not answer ({Status}); its storm state is not shown until it does", ex.Status.StatusCode);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Whatever went wrong, the next storm is still shown: this loop lives as long as the AppHost.
                    logger.LogWarning(ex, "Showing the swarm's storm state failed; trying again");
                }
                await Task.Delay(PollInterval, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task FollowAsync(SwarmControl.SwarmControlClient client, string resourceId, StormStatus storm, CancellationToken stopping)
    {
        double total = (storm.Plan?.RampS ?? 0) + (storm.Plan?.DurationS ?? 0);
        string scenario = storm.Plan?.Scenario is { Length: > 0 } name ? name : "custom";
        var lastPublished = DateTime.MinValue;
        string? shown = null;
        try
        {
            using var watch = client.WatchStorm(new StormRef { Id = storm.Id }, cancellationToken: stopping);
            await foreach (var snapshot in watch.ResponseStream.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                // WatchStorm replays the run from its start: only the latest second is shown, at most once a second.
                // A finished storm is done with, whether or not its stream goes on (a run's watch can outlive its end
                // by the report's saving; CI saw one still open when the next storm ran, which then went unshown).
                if (snapshot.Phase is StormPhase.Finished or StormPhase.Failed) break;
                if (DateTime.UtcNow - lastPublished < PublishInterval) continue;
                lastPublished = DateTime.UtcNow;
                string text = Describe(scenario, snapshot.ElapsedS, total, snapshot.Window?.P99Ms ?? 0);
                shown = text;
                await notifications.PublishUpdateAsync(swarm, resourceId, s => s with
                {
                    State = new ResourceStateSnapshot(text, snapshot.SlaViolated ? KnownResourceStateStyles.Warn : KnownResourceStateStyles.Info),
                }).ConfigureAwait(false);
            }
        }
        finally
        {
            // Back to Running, unless the state is no longer ours: the swarm stopped, restarted or crashed meanwhile,
            // and what Aspire says about that stays.
            if (shown is not null)
            {
                await notifications.PublishUpdateAsync(swarm, resourceId, s => s.State?.Text == shown
                    ? s with { State = new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success) }
                    : s).ConfigureAwait(false);
            }
        }
    }
}

internal static class StormStateReporterExtensions
{
    /// <summary>Shows a running storm in the swarm's state in the Aspire dashboard (see <see cref="StormStateReporter"/>).</summary>
    public static IResourceBuilder<ProjectResource> WithStormState(this IResourceBuilder<ProjectResource> swarm, IResourceBuilder<ParameterResource> swarmKey)
    {
        var builder = swarm.ApplicationBuilder;
        builder.Services.AddSingleton(sp => new StormStateReporter(swarm.Resource, swarm.GetEndpoint("grpc"), swarmKey.Resource,
            sp.GetRequiredService<ResourceNotificationService>(), sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<StormStateReporter>>()));
        builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
        {
            started.Services.GetRequiredService<StormStateReporter>().Start();
            return Task.CompletedTask;
        });
        return swarm;
    }
}
