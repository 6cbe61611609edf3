using Flux.Protocol.Admin;
using Flux.Protocol.Storms.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Users;

namespace Flux.Swarm.Faults;

/// <summary>What one fault of a run acts on: this process's users, the gateways' admin services, Redis and fuzzing clients of its own.</summary>
internal sealed class FaultStage(StormContext storm, IReadOnlyList<SimulatedUser> users, int fault, Random random, Action<FaultAllowance> revise) : IFaultStage
{
    public int Fault => fault;

    // Users for a fault are drawn from those still healthy and connected, so cohorts never overlap.
    public IReadOnlyList<IFaultUser> PickUsers(int count)
    {
        var candidates = users.Where(u => u.Cohort == Cohort.Healthy && u.IsReady).ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates));
        return candidates.Take(storm.Shard.ShareOf(count)).ToList();
    }

    public async Task OnGatewaysAsync(int gateway, Func<GatewayAdmin.GatewayAdminClient, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var targets = gateway < 0 ? storm.Gateways : [storm.Gateways[gateway]];
        var missing = new List<string>();
        foreach (var target in targets)
        {
            if (target.Admin is null)
            {
                missing.Add(target.Name);
                continue;
            }
            await call(target.Admin, cancellationToken).ConfigureAwait(false);
        }
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{string.Join(" and ", missing)} {(missing.Count == 1 ? "has" : "have")} no admin endpoint (give --admin for it)");
        }
    }

    public async Task<bool> RestartRedisAsync(CancellationToken cancellationToken)
    {
        string redis = storm.Redis ?? throw new InvalidOperationException("the swarm has no connection to Redis (give --redis host:port)");
        bool empty = await RedisRestarter.RestartAsync(redis, storm.RunId, cancellationToken).ConfigureAwait(false);
        Telemetry.Log.RedisRestarted(storm.Logger, storm.RunId, empty ? "empty" : "with its data");
        return empty;
    }

    public Task FuzzAsync(int clients, TimeSpan duration, CancellationToken cancellationToken) =>
        new ProtocolFuzzer(storm, fault, random).RunAsync(clients, duration, cancellationToken);

    // A stopped run ends the fault's window early; that is not a failure to inject it.
    public async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        await Task.Delay(delay, storm.Time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    public void ReviseAllowance(FaultAllowance allowance) => revise(allowance);
}
