using System.Diagnostics;
using Flux.Protocol.Admin;
using Flux.Protocol.Storms;
using Flux.Swarm.Measurement;
using Flux.Swarm.Storms;
using Flux.Swarm.Telemetry;
using Flux.Swarm.Users;

namespace Flux.Swarm.Faults;

/// <summary>
/// Injects the plan's faults at their times: slow consumers and partitions on simulated users; GC pressure and drain
/// through each gateway's GatewayAdmin service. Each fault is a span in the storm's trace.
/// </summary>
internal sealed class FaultInjector(StormContext storm, IReadOnlyList<SimulatedUser> users)
{
    private readonly Random _random = new(storm.Seed * 31 + 7);
    private readonly List<string> _notes = [];

    /// <summary>Faults that could not be injected, and why.</summary>
    public IReadOnlyList<string> Notes => _notes;

    public async Task RunAsync(CancellationToken stop)
    {
        var faults = storm.Plan.Faults.Select((fault, index) => (fault, index)).OrderBy(f => f.fault.At);
        var running = new List<Task>();
        foreach (var (fault, index) in faults)
        {
            var wait = TimeSpan.FromSeconds(fault.At - storm.Clock.NowSeconds);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            running.Add(InjectAsync(fault, index, stop));
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task InjectAsync(FaultSpec fault, int index, CancellationToken stop)
    {
        string name = $"{index + 1}: {fault.Describe()}";
        Log.FaultStarting(storm.Logger, storm.RunId, name);
        using var span = SwarmActivities.Source.StartActivity($"fault {fault.Kind}", ActivityKind.Internal, storm.StormTrace);
        span?.SetTag("flux.fault", fault.Describe());
        try
        {
            switch (fault.Kind)
            {
                case FaultKind.SlowConsumers:
                    foreach (var user in Pick(fault.Clients)) user.PauseReading(fault.Duration);
                    break;
                case FaultKind.Partition:
                    foreach (var user in Pick(fault.Clients)) user.Partition(fault.Duration);
                    break;
                case FaultKind.GcPressure:
                    await ForEachGatewayAsync(fault, name, admin => admin.InjectFaultAsync(new InjectFaultRequest
                    {
                        GcPressure = new GcPressure { Seconds = fault.Duration, MegabytesPerSecond = fault.MegabytesPerSecond },
                    }, cancellationToken: stop).ResponseAsync).ConfigureAwait(false);
                    break;
                case FaultKind.Drain:
                    storm.DrainStarted = true;
                    await ForEachGatewayAsync(fault, name, admin => admin.DrainAsync(new DrainRequest(), cancellationToken: stop).ResponseAsync).ConfigureAwait(false);
                    break;
            }
            // The span covers the fault's whole duration.
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, fault.Duration)), stop).ConfigureAwait(false);
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

    // Users for a fault are drawn from those still healthy and connected, so cohorts never overlap.
    private List<SimulatedUser> Pick(int count)
    {
        var candidates = users.Where(u => u.Cohort == Cohort.Healthy && u.IsReady).ToList();
        _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates));
        return candidates.Take(count).ToList();
    }

    private async Task ForEachGatewayAsync<T>(FaultSpec fault, string name, Func<GatewayAdmin.GatewayAdminClient, Task<T>> call)
    {
        var targets = fault.Gateway < 0 ? storm.Gateways : [storm.Gateways[fault.Gateway]];
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
        Log.FaultFailed(storm.Logger, storm.RunId, fault, reason);
        lock (_notes) _notes.Add($"fault {fault}: {reason}");
    }
}
