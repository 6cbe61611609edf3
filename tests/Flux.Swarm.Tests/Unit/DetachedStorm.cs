using System.Diagnostics.Metrics;
using Flux.Protocol.Storms;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;
using Flux.Swarm.Users;
using Flux.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// A storm context and its simulated users, never started: no socket is opened. For units that take users
/// (the heartbeat wheel) without running a storm.
/// </summary>
internal sealed class DetachedStorm : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="plan">The plan (its users must be <paramref name="users"/>); one guild of them by default.</param>
    /// <param name="time">The run's time; a fake one lets a test drive the schedule, the drain and the faults.</param>
    public DetachedStorm(int users, StormPlan? plan = null, TimeProvider? time = null)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        plan ??= new StormPlan { Users = users, Guilds = 1 };
        var nowhere = new GatewayTarget("unused", new Uri("ws://127.0.0.1:9/gateway?v=1"), Admin: null);
        Context = new StormContext("s-unit", plan, [nowhere], TestKeys.Issuer,
            new SwarmMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger.Instance, seed: 1, time: time);
        Users = Enumerable.Range(0, users).Select(i => new SimulatedUser(Context, i, Heartbeats)).ToArray();
    }

    public StormContext Context { get; }

    public HeartbeatWheel Heartbeats { get; } = new();

    public SimulatedUser[] Users { get; }

    public void Dispose() => _services.Dispose();
}
