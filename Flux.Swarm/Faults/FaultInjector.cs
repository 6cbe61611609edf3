using System.Diagnostics;
using Flux.Protocol.Admin;
using Flux.Protocol.Storms;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;
using Flux.Swarm.Users;
using Flux.Swarm.Verdicts;

namespace Flux.Swarm.Faults;

/// <summary>
/// Injects the plan's faults at their times: slow consumers and partitions on simulated users; GC pressure, drain and
/// kill through each gateway's GatewayAdmin service; restart-redis over the Redis protocol; fuzzing clients of its
/// own. Each fault is a span in the storm's trace, and each has an allowance (<see cref="FaultAllowance"/>) that the
/// verdict judges its effects against.
/// </summary>
internal sealed class FaultInjector
{
    private readonly StormContext _storm;
    private readonly IReadOnlyList<SimulatedUser> _users;
    private readonly Random _random;
    private readonly List<string> _notInjected = [];
    private readonly FaultAllowance[] _allowances;

    public FaultInjector(StormContext storm, IReadOnlyList<SimulatedUser> users)
    {
        _storm = storm;
        _users = users;
        _random = new Random(storm.Seed * 31 + 7);
        _allowances = storm.Plan.Faults.Select(f => FaultAllowance.For(f)).ToArray();
    }

    /// <summary>Faults that could not be injected, and why: the run did not do what its plan said.</summary>
    public IReadOnlyList<string> NotInjected
    {
        get
        {
            lock (_notInjected) return [.. _notInjected];
        }
    }

    /// <summary>What each planned fault may cause, as it turned out when injected.</summary>
    public IReadOnlyList<FaultAllowance> Allowances => _allowances;

    public async Task RunAsync(CancellationToken stop)
    {
        var faults = _storm.Plan.Faults.Select((fault, index) => (fault, index)).OrderBy(f => f.fault.At);
        var running = new List<Task>();
        foreach (var (fault, index) in faults)
        {
            // Not a moment early: what the fault causes is judged by the fault window it falls in, which opens at At. A
            // timer may fire up to a millisecond before the time asked for (it counts whole milliseconds), and a cut made
            // then would fall outside its own fault (seen once in CI: a partition's cuts judged as unexplained).
            while (_storm.Clock.NowSeconds < fault.At && !stop.IsCancellationRequested)
            {
                double waitMs = Math.Ceiling((fault.At - _storm.Clock.NowSeconds) * 1000);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, waitMs)), stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            if (stop.IsCancellationRequested) break;
            running.Add(InjectAsync(fault, index, stop));
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task InjectAsync(FaultSpec fault, int index, CancellationToken stop)
    {
        string name = $"{index + 1}: {fault.Describe()}";
        Log.FaultStarting(_storm.Logger, _storm.RunId, name);
        using var span = SwarmActivities.Source.StartActivity($"fault {FaultSpec.KindName(fault.Kind)}", ActivityKind.Internal, _storm.StormTrace);
        span?.SetTag("flux.fault", fault.Describe());
        var duration = TimeSpan.FromSeconds(Math.Max(0, fault.Duration));
        try
        {
            // In a distributed storm each shard picks its share of the users; the faults on shared parts (gateways,
            // Redis) and the fuzzing clients are shard 0's alone, so they happen once. The others only mark the span.
            if (!_storm.Shard.IsLead && fault.Kind is not (FaultKind.SlowConsumers or FaultKind.Partition))
            {
                await Task.Delay(duration, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return;
            }
            switch (fault.Kind)
            {
                case FaultKind.SlowConsumers:
                    foreach (var user in Pick(_storm.Shard.ShareOf(fault.Clients))) user.PauseReading(fault.Duration, index);
                    break;
                case FaultKind.Partition:
                    foreach (var user in Pick(_storm.Shard.ShareOf(fault.Clients))) user.Partition(fault.Duration, index);
                    break;
                case FaultKind.GcPressure:
                    await ForEachGatewayAsync(fault, name, admin => admin.InjectFaultAsync(new InjectFaultRequest
                    {
                        GcPressure = new GcPressure { Seconds = fault.Duration, MegabytesPerSecond = fault.MegabytesPerSecond },
                    }, cancellationToken: stop).ResponseAsync).ConfigureAwait(false);
                    break;
                case FaultKind.Drain:
                    await ForEachGatewayAsync(fault, name, admin => admin.DrainAsync(new DrainRequest(), cancellationToken: stop).ResponseAsync).ConfigureAwait(false);
                    break;
                case FaultKind.KillGateway:
                    await ForEachGatewayAsync(fault, name, admin => admin.InjectFaultAsync(new InjectFaultRequest { Kill = new Kill() },
                        cancellationToken: stop).ResponseAsync).ConfigureAwait(false);
                    break;
                case FaultKind.RestartRedis:
                    await RestartRedisAsync(fault, index, name, stop).ConfigureAwait(false);
                    break;
                case FaultKind.Surge:
                    break; // the send scheduler follows the plan's rate factor; this span marks the surge
                case FaultKind.Fuzz:
                    await new ProtocolFuzzer(_storm, index, new Random(_random.Next())).RunAsync(fault.Clients, duration, stop).ConfigureAwait(false);
                    return;
            }
            // The span covers the fault's whole duration.
            await Task.Delay(duration, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Note(name, ex.Message);
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
        }
    }

    private async Task RestartRedisAsync(FaultSpec fault, int index, string name, CancellationToken stop)
    {
        if (_storm.Redis is not { } redis)
        {
            Note(name, "the swarm has no connection to Redis (give --redis host:port)");
            return;
        }
        bool empty = await RedisRestarter.RestartAsync(redis, _storm.RunId, stop).ConfigureAwait(false);
        // What the fault may cause depends on what came back: with its data nothing may be lost; empty, the loss must
        // be announced (4007) to every member.
        _allowances[index] = FaultAllowance.For(fault, emptyAfterRestart: empty);
        Log.RedisRestarted(_storm.Logger, _storm.RunId, empty ? "empty" : "with its data");
    }

    // Users for a fault are drawn from those still healthy and connected, so cohorts never overlap.
    private List<SimulatedUser> Pick(int count)
    {
        var candidates = _users.Where(u => u.Cohort == Cohort.Healthy && u.IsReady).ToList();
        _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates));
        return candidates.Take(count).ToList();
    }

    private async Task ForEachGatewayAsync<T>(FaultSpec fault, string name, Func<GatewayAdmin.GatewayAdminClient, Task<T>> call)
    {
        var targets = fault.Gateway < 0 ? _storm.Gateways : [_storm.Gateways[fault.Gateway]];
        foreach (var target in targets)
        {
            if (target.Admin is null)
            {
                Note(name, $"{target.Name} has no admin endpoint (give --admin for it)");
                continue;
            }
            await call(target.Admin).ConfigureAwait(false);
        }
    }

    private void Note(string fault, string reason)
    {
        Log.FaultFailed(_storm.Logger, _storm.RunId, fault, reason);
        lock (_notInjected) _notInjected.Add($"fault {fault}: {reason}");
    }
}
