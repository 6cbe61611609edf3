using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flux.AppHost.Supervision;

/// <summary>
/// Restarts a gateway whose process ended with a failure (a crash, or the storm's kill-gateway fault), the way
/// systemd's <c>Restart=on-failure</c> or a Kubernetes liveness restart would: DCP by itself leaves a dead process
/// dead. A gateway that exits cleanly (exit code 0: stopped from the Aspire dashboard, or drained) stays down.
/// Restarts back off exponentially, and a gateway that keeps crashing is left stopped and reported in the Aspire
/// dashboard (<see cref="SupervisionOptions"/>).
/// </summary>
internal sealed class GatewaySupervisor(
    IReadOnlySet<string> gateways,
    SupervisionOptions options,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<GatewaySupervisor> logger)
{
    /// <summary>The resource property that says what the supervisor did last (shown in the Aspire dashboard's details).</summary>
    public const string StatusProperty = "flux.supervisor";

    public const string GaveUpPrefix = "stopped after";

    private readonly ConcurrentDictionary<string, Supervised> _supervised = new(StringComparer.Ordinal);

    private Task? _watching;

    /// <summary>
    /// Starts watching, before the application starts its resources: a hosted service would only start once every
    /// resource had started, and a resource that waits for a gateway that cannot start never does.
    /// </summary>
    public void Start() => _watching ??= WatchAsync(lifetime.ApplicationStopping);

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            // One loop reads every notification, so a gateway's transitions are seen in order; restarts run beside it
            // and take the gateway's lock for every change to its state.
            await foreach (var update in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!gateways.Contains(update.Resource.Name)) continue;
                var gateway = _supervised.GetOrAdd(update.ResourceId, id => new Supervised(id, new CrashBackoff(options)));
                Observe(gateway, update, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Observe(Supervised gateway, ResourceEvent update, CancellationToken stoppingToken)
    {
        string? state = update.Snapshot.State?.Text;
        int? exitCode = update.Snapshot.ExitCode;
        var now = time.GetUtcNow();
        lock (gateway)
        {
            string? previous = gateway.State;
            gateway.State = state;
            if (state == KnownResourceStates.Running && previous != KnownResourceStates.Running)
            {
                gateway.StartedAt = now;
                // Nothing of ours is pending once we gave up, so this start was someone's by hand: the history is void.
                if (gateway.GaveUp)
                {
                    gateway.GaveUp = false;
                    gateway.Backoff.Reset();
                }
                return;
            }
            // Only a transition into a stopped state counts: while a restart waits the state stays stopped, so every
            // death seen here followed a start, ours or someone else's.
            bool died = IsDead(state) && !IsDead(previous);
            bool failed = state == KnownResourceStates.FailedToStart || exitCode is not (null or 0);
            if (!died || !failed || lifetime.ApplicationStopping.IsCancellationRequested) return;
            var ranFor = gateway.StartedAt is { } started ? now - started : TimeSpan.Zero;
            gateway.StartedAt = null;
            var decision = gateway.Backoff.Crashed(now, ranFor);
            int generation = ++gateway.Generation;
            if (decision.GiveUp)
            {
                GiveUp(gateway, update.Resource, exitCode, decision);
                return;
            }
            logger.LogWarning("Gateway {Resource} exited with code {ExitCode} after {RanFor}; starting it again in {Delay} ({Crashes} crashes in the last {Window})",
                gateway.Id, exitCode, ranFor, decision.Delay, decision.CrashesInWindow, options.Window);
            _ = RestartAsync(gateway, update.Resource, generation, decision.Delay, stoppingToken);
        }
    }

    /// <summary>
    /// Waits, then starts the gateway; a failed start backs off and tries again until it works or we give up. A newer
    /// crash (a new generation) or a start by hand while it waits makes this restart stand down.
    /// </summary>
    private async Task RestartAsync(Supervised gateway, IResource resource, int generation, TimeSpan delay, CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested) return;
            lock (gateway)
            {
                if (gateway.Generation != generation || !IsDead(gateway.State)) return;
            }
            string? failure;
            try
            {
                var result = await commands.ExecuteCommandAsync(gateway.Id, KnownResourceCommands.StartCommand, stoppingToken).ConfigureAwait(false);
                failure = result.Success ? null : result.Message ?? "the start command failed";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failure = e.Message;
            }
            lock (gateway)
            {
                if (failure is null || gateway.Generation != generation) return;
                var decision = gateway.Backoff.Crashed(time.GetUtcNow(), TimeSpan.Zero);
                if (decision.GiveUp)
                {
                    GiveUp(gateway, resource, exitCode: null, decision);
                    return;
                }
                logger.LogError("Gateway {Resource} could not be started again ({Failure}); trying again in {Delay}", gateway.Id, failure, decision.Delay);
                delay = decision.Delay;
            }
        }
    }

    /// <summary>Leaves the gateway stopped, and says so in the Aspire dashboard: its state, a property and its console log.</summary>
    private void GiveUp(Supervised gateway, IResource resource, int? exitCode, RestartDecision decision)
    {
        gateway.GaveUp = true;
        string status = $"{GaveUpPrefix} {decision.CrashesInWindow} crashes within {options.Window.TotalSeconds:0} s"
            + (exitCode is { } code ? $" (last exit code {code})" : " (the last start failed)")
            + ": left stopped; fix the cause and start it from the dashboard";
        logger.LogCritical("Gateway {Resource} {Status}", gateway.Id, status);
        resourceLogs.GetLogger(gateway.Id).LogCritical("Flux supervisor: {Status}", status);
        _ = notifications.PublishUpdateAsync(resource, gateway.Id, snapshot => snapshot with
        {
            // The state stays a stopped one, so the dashboard still offers Start; the error style marks it.
            State = new ResourceStateSnapshot(snapshot.State?.Text ?? KnownResourceStates.Exited, KnownResourceStateStyles.Error),
            Properties = [.. snapshot.Properties.Where(p => p.Name != StatusProperty), new ResourcePropertySnapshot(StatusProperty, status)],
        });
    }

    private static bool IsDead(string? state) =>
        state is not null && (state == KnownResourceStates.Exited || state == KnownResourceStates.Finished || state == KnownResourceStates.FailedToStart);

    /// <summary>One gateway's supervision state; every field is read and written under a lock on the instance.</summary>
    private sealed class Supervised(string id, CrashBackoff backoff)
    {
        public string Id { get; } = id;
        public CrashBackoff Backoff { get; } = backoff;
        public string? State { get; set; }
        public DateTimeOffset? StartedAt { get; set; }
        /// <summary>Bumped at every crash: only the restart of the latest crash may act.</summary>
        public int Generation { get; set; }
        public bool GaveUp { get; set; }
    }
}

internal static class GatewaySupervisorExtensions
{
    /// <summary>Restarts these gateways whenever their process fails (see <see cref="GatewaySupervisor"/>).</summary>
    public static void SuperviseGateways(this IDistributedApplicationBuilder builder, IEnumerable<IResourceBuilder<ProjectResource>> gateways)
    {
        var names = gateways.Select(g => g.Resource.Name).ToHashSet(StringComparer.Ordinal);
        var options = SupervisionOptions.From(builder.Configuration);
        builder.Services.AddSingleton(sp => new GatewaySupervisor(names, options,
            sp.GetRequiredService<ResourceNotificationService>(), sp.GetRequiredService<ResourceCommandService>(),
            sp.GetRequiredService<ResourceLoggerService>(), TimeProvider.System,
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<GatewaySupervisor>>()));
        builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
        {
            started.Services.GetRequiredService<GatewaySupervisor>().Start();
            return Task.CompletedTask;
        });
    }
}
