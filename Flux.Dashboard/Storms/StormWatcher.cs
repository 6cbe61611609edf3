using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Flux.Dashboard.Storms;

/// <summary>
/// What every open page shows, kept once for all of them: the current (or last) storm's snapshots, the history,
/// and whether the swarm answers. One WatchStorm stream feeds every viewer, so two browsers see the same numbers;
/// a storm keeps running when pages close, and a page that opens later re-attaches (WatchStorm replays the run
/// from its start). When the swarm is unreachable this says so, and it reconnects by itself.
/// </summary>
public sealed class StormWatcher(SwarmControl.SwarmControlClient swarm, IOptions<DashboardOptions> options, ILogger<StormWatcher> logger)
    : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private List<StormSnapshot> _snapshots = [];
    private IReadOnlyList<StormStatus> _history = [];
    private string? _watching;

    /// <summary>Raised on every new snapshot, history change or reachability change.</summary>
    public event Action? Changed;

    public string? CurrentId { get; private set; }

    public StormPlan? CurrentPlan { get; private set; }

    public IReadOnlyList<StormSnapshot> Snapshots
    {
        get
        {
            lock (_gate) return _snapshots;
        }
    }

    public StormSnapshot? Latest
    {
        get
        {
            lock (_gate) return _snapshots.Count > 0 ? _snapshots[^1] : null;
        }
    }

    public IReadOnlyList<StormStatus> History => _history;

    public bool SwarmReachable { get; private set; } = true;

    public string? SwarmError { get; private set; }

    public bool IsRunning => Latest is { Phase: not (StormPhase.Finished or StormPhase.Failed) } && CurrentId is not null;

    /// <summary>Starts a storm; against Flux the swarm fills in the gateways it discovered, a peer keeps its URLs.</summary>
    /// <exception cref="RpcException">The swarm refused (invalid plan, a storm already running) or is unreachable.</exception>
    public async Task<string> StartAsync(StormPlan plan, CancellationToken cancellationToken)
    {
        var sent = plan.Target == TargetKind.Flux ? plan with { Gateways = [] } : plan;
        var reply = await swarm.StartStormAsync(sent.ToMessage(), cancellationToken: cancellationToken).ConfigureAwait(false);
        Attach(reply.Id, plan);
        return reply.Id;
    }

    public async Task StopAsync(string id, CancellationToken cancellationToken)
    {
        await swarm.StopStormAsync(new StormRef { Id = id }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<StormStatus?> GetAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await swarm.GetStormAsync(new StormRef { Id = id }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var list = await swarm.ListStormsAsync(new ListStormsRequest { Limit = options.Value.HistoryLimit },
                    deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken).ConfigureAwait(false);
                _history = list.Storms;
                SetReachable(true, null);
                // A storm started elsewhere (the Aspire command, the CLI against the same swarm, another page): watch it.
                var running = list.Storms.FirstOrDefault(s => s.Phase is not (StormPhase.Finished or StormPhase.Failed));
                if (running is not null && _watching is null) Attach(running.Id, running.Plan?.ToPlan());
                if (CurrentId is null && list.Storms.Count > 0) Attach(list.Storms[0].Id, list.Storms[0].Plan?.ToPlan());
                Changed?.Invoke();
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                SetReachable(false, ex.Status.Detail is { Length: > 0 } detail ? detail : ex.StatusCode.ToString());
            }
            try
            {
                await Task.Delay(PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Shows a storm: its snapshots so far and, while it runs, every new one.
    private void Attach(string id, StormPlan? plan)
    {
        lock (_gate)
        {
            if (_watching == id) return;
            _watching = id;
            CurrentId = id;
            CurrentPlan = plan;
            _snapshots = [];
        }
        Changed?.Invoke();
        _ = WatchAsync(id);
    }

    private async Task WatchAsync(string id)
    {
        try
        {
            using var call = swarm.WatchStorm(new StormRef { Id = id });
            var received = new List<StormSnapshot>();
            await foreach (var snapshot in call.ResponseStream.ReadAllAsync().ConfigureAwait(false))
            {
                lock (_gate)
                {
                    if (_watching != id) return;
                    received.Add(snapshot);
                    _snapshots = [.. received]; // a new list each time: renderers may still be reading the old one
                }
                SetReachable(true, null);
                Changed?.Invoke();
            }
        }
        catch (RpcException ex)
        {
            logger.LogWarning("Watching storm {RunId} stopped: {Status}", id, ex.Status);
            SetReachable(false, ex.Status.Detail);
        }
        finally
        {
            lock (_gate)
            {
                // Let the poller attach again (after a swarm restart, or to pick up the next storm).
                if (_watching == id) _watching = Latest is { Phase: StormPhase.Finished or StormPhase.Failed } ? id : null;
            }
            Changed?.Invoke();
        }
    }

    private void SetReachable(bool reachable, string? error)
    {
        if (SwarmReachable == reachable && SwarmError == error) return;
        SwarmReachable = reachable;
        SwarmError = error;
        Changed?.Invoke();
    }
}
