using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Swarm.Distributed;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Storms;

/// <summary>What to start: the plan, the gateways it runs against, and how.</summary>
/// <param name="Targets">The plan's gateways, with their admin clients where known (the plan's URLs are taken from these).</param>
/// <param name="Agents">Swarm agents' gRPC URLs: with any, the storm is distributed and this process coordinates it.</param>
/// <param name="Redis">The backplane's connection string, for the restart-redis fault.</param>
/// <param name="AllowRemoteGateways">Whether gateways off this machine may be targeted.</param>
/// <param name="AgentKey">The swarm key the agents ask for (Swarm:Key).</param>
/// <param name="AllowInsecureAgents">Whether agents off this machine may be reached over plain http.</param>
internal sealed record StormLaunch(StormPlan Plan, IReadOnlyList<GatewayTarget> Targets, IReadOnlyList<Uri> Agents, string? Redis = null,
    int? Seed = null, bool AllowRemoteGateways = false, string? AgentKey = null, bool AllowInsecureAgents = false);

/// <summary>
/// The one way a storm starts, for the CLI, the gRPC service and the dashboard alike: validate the plan, probe every
/// gateway and check the plan against the limits it advertises (a plan that trips them measures the limits, not the
/// system), connect the agents of a distributed storm and start their shards, then start this process's run.
/// </summary>
internal sealed class StormLauncher(TokenIssuer tokens, SwarmMetrics metrics, ILogger logger, TimeProvider? time = null)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <exception cref="ArgumentException">The plan is invalid, or the gateways' limits refuse it; the message says why.</exception>
    /// <exception cref="InvalidOperationException">A gateway or an agent cannot be reached, or an agent refused.</exception>
    public async Task<StormRun> LaunchAsync(StormLaunch launch, CancellationToken cancellationToken)
    {
        var plan = launch.Plan with { Gateways = [.. launch.Targets.Select(t => t.WebSocket.ToString())] };
        var errors = StormPlanValidator.Validate(plan, launch.AllowRemoteGateways);
        if (errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, errors));
        foreach (var target in launch.Targets)
        {
            var probe = await GatewayProbe.ProbeAsync(target.WebSocket, ProbeTimeout, plan.Target).ConfigureAwait(false);
            if (!probe.Reached) throw new InvalidOperationException($"cannot reach {target.Name} ({target.WebSocket}): {probe.Problem}");
            if (probe.Limits is { } limits && PlanCheck.Refusal(plan, limits) is { } refusal) throw new ArgumentException(refusal);
        }

        string runId = StormRun.NewRunId();
        int seed = launch.Seed ?? Random.Shared.Next();
        ShardCoordinator? coordinator = null;
        try
        {
            ShardRole? role = null;
            if (launch.Agents.Count > 0)
            {
                // Distributed: this process coordinates and runs shard 0 (docs/protocol.md, "Distributed storms").
                var access = new AgentAccess(launch.AgentKey, launch.AllowInsecureAgents, agent => Log.InsecureAgent(logger, agent));
                coordinator = await ShardCoordinator.ConnectAsync(launch.Agents, plan, access, cancellationToken).ConfigureAwait(false);
                role = await coordinator.StartAsync(runId, seed, plan, cancellationToken).ConfigureAwait(false);
            }
            var run = StormRun.Start(plan, launch.Targets, tokens, metrics, logger, runId, seed, launch.Redis, role, time);
            if (coordinator is { } agents) _ = run.Completion.ContinueWith(_ => agents.DisposeAsync(), TaskScheduler.Default);
            return run;
        }
        catch (Grpc.Core.RpcException ex)
        {
            if (coordinator is not null) await coordinator.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(ex.Status.Detail, ex);
        }
        catch
        {
            if (coordinator is not null) await coordinator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
