using System.Diagnostics;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;
using Flux.Swarm.Users;

namespace Flux.Swarm.Faults;

/// <summary>
/// Injects the plan's faults at their times. What each fault does is its kind's (<see cref="FaultKinds"/>); this opens
/// each one's window on time, gives it a <see cref="FaultStage"/> to act on, makes it a span in the storm's trace, and
/// keeps its allowance (what the verdict judges its effects against) and any reason it could not be carried out.
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
        _allowances = storm.Plan.Faults.Select(f => FaultKinds.Of(f.Kind).Allowance(f)).ToArray();
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
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, waitMs)), _storm.Time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            if (stop.IsCancellationRequested) break;
            running.Add(InjectAsync(fault, index, stop));
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task InjectAsync(FaultSpec fault, int index, CancellationToken stop)
    {
        var kind = FaultKinds.Of(fault.Kind);
        string name = $"{index + 1}: {fault.Describe()}";
        Log.FaultStarting(_storm.Logger, _storm.RunId, name);
        using var span = SwarmActivities.Source.StartActivity($"fault {kind.Name}", ActivityKind.Internal, _storm.StormTrace);
        span?.SetTag("flux.fault", fault.Describe());
        var stage = new FaultStage(_storm, _users, index, new Random(_random.Next()), allowance => _allowances[index] = allowance);
        try
        {
            // In a distributed storm each shard acts on its share of the users; the faults on shared parts (gateways,
            // Redis, clients of its own) are the lead shard's alone, so they happen once. The others only mark the span.
            if (kind.ActsOnSharedParts && !_storm.Shard.IsLead)
            {
                await stage.DelayAsync(TimeSpan.FromSeconds(Math.Max(0, fault.Duration)), stop).ConfigureAwait(false);
                return;
            }
            await kind.InjectAsync(fault, stage, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Log.FaultFailed(_storm.Logger, _storm.RunId, name, ex.Message);
            lock (_notInjected) _notInjected.Add($"fault {name}: {ex.Message}");
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
        }
    }
}
