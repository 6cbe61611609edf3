using Flux.Protocol.Admin;

namespace Flux.Protocol.Storms.Faults;

/// <summary>
/// What a fault kind acts on while it is injected: the swarm provides one for each fault of a run. Every call acts on
/// this swarm process's part of the storm (its share of the users in a distributed storm).
/// </summary>
public interface IFaultStage
{
    /// <summary>The fault's index in the plan: users it picks are marked with it.</summary>
    int Fault { get; }

    /// <summary>
    /// This process's share of <paramref name="count"/> users, drawn at random from those still healthy and connected,
    /// so the cohorts of two faults never overlap.
    /// </summary>
    IReadOnlyList<IFaultUser> PickUsers(int count);

    /// <summary>Calls every gateway the fault names (<paramref name="gateway"/>: an index into the plan's, or -1 for all) through its admin service.</summary>
    /// <exception cref="InvalidOperationException">A gateway has no admin endpoint the swarm knows.</exception>
    Task OnGatewaysAsync(int gateway, Func<GatewayAdmin.GatewayAdminClient, CancellationToken, Task> call, CancellationToken cancellationToken);

    /// <summary>Restarts the Redis backplane in place and waits until it answers. Returns whether it came back empty.</summary>
    /// <exception cref="InvalidOperationException">The swarm cannot reach Redis, or Redis refused or did not come back.</exception>
    Task<bool> RestartRedisAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="clients"/> fuzzing clients of the swarm's own for <paramref name="duration"/>.</summary>
    Task FuzzAsync(int clients, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Waits on the run's clock (a fault's span covers its whole window).</summary>
    Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>What the fault may cause, as it turned out once injected (restart-redis: whether Redis came back empty).</summary>
    void ReviseAllowance(FaultAllowance allowance);
}

/// <summary>A simulated user, as a fault that picked it acts on it.</summary>
public interface IFaultUser
{
    /// <summary>Stops reading for <paramref name="seconds"/>; sending and heartbeats go on.</summary>
    void PauseReading(double seconds, int fault);

    /// <summary>Drops the connection abruptly and stays away for <paramref name="seconds"/>, then reconnects and resumes.</summary>
    void Partition(double seconds, int fault);
}
