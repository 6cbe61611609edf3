using Flux.Protocol.Auth;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Swarm.Distributed;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;
using Microsoft.Extensions.Options;

namespace Flux.Swarm.Storms;

/// <summary>
/// The storms of this swarm process: at most one runs at a time (two storms on one small machine would measure
/// each other). Every status change is saved to <see cref="StormHistoryStore"/>. A run is held in memory (its users,
/// ledgers and histograms) only while it runs; once it is over and saved, only its final status stays, and only the
/// last <see cref="FinishedKeptInMemory"/> of those: the history in Redis, capped at <c>Swarm:HistoryLimit</c>, has the rest.
/// A swarm left running for weeks of storms holds what one storm needs, not what all of them did.
/// </summary>
internal sealed class StormRegistry(
    StormHistoryStore history,
    GatewayDirectory gateways,
    StormWarmUp warmUp,
    StormLauncher launcher,
    TokenIssuer tokens,
    SwarmMetrics metrics,
    IOptions<SwarmOptions> options,
    IConfiguration configuration,
    ILogger<StormRegistry> logger)
{
    /// <summary>Finished storms whose final status (with the report) stays in this process, for when Redis is away.</summary>
    public const int FinishedKeptInMemory = 20;

    private readonly Dictionary<string, StormRun> _runs = [];
    private readonly Dictionary<string, StormStatus> _finished = [];
    private readonly Queue<string> _finishedOrder = new();
    private readonly Lock _gate = new();
    private StormRun? _active;
    private bool _launching;

    /// <summary>Starts a storm. Gateways left out of the plan are the discovered replicas.</summary>
    /// <exception cref="ArgumentException">The plan is invalid; the message lists every problem.</exception>
    /// <exception cref="InvalidOperationException">Another storm is running, or a gateway or agent cannot be reached.</exception>
    public async Task<StormRun> StartAsync(StormPlan plan, CancellationToken cancellationToken)
    {
        // The first storm after start-up waits for the warm-up (bounded): it measures the system, not the JIT.
        await warmUp.Completion.WaitAsync(StormWarmUp.MaxWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_launching || _active is { IsOver: false })
            {
                throw new InvalidOperationException(_launching ? "a storm is starting; stop it once it runs" : $"storm {_active!.Id} is still running; stop it first");
            }
            _launching = true;
        }
        StormRun run;
        try
        {
            // A peer target is named by its URLs; Flux's replicas are found through service discovery.
            var discovered = plan.Target == TargetKind.Flux ? await gateways.ResolveAsync(cancellationToken).ConfigureAwait(false) : [];
            var targets = plan.Gateways.Count == 0
                ? discovered
                : plan.Gateways.Select((url, i) => discovered.FirstOrDefault(g => Uri.TryCreate(url, UriKind.Absolute, out var uri) && g.WebSocket == uri)
                    ?? new GatewayTarget($"gateway {i}", Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed
                        : throw new ArgumentException($"gateway '{url}' must be an absolute ws:// or wss:// URL."), null)).ToList();
            // With agents (Swarm:Agents) the storm is distributed: this process coordinates and runs shard 0.
            var launch = new StormLaunch(plan, targets, [.. options.Value.Agents.Select(a => new Uri(a))], configuration.GetConnectionString("redis"),
                AllowRemoteGateways: options.Value.AllowRemoteGateways, AgentKey: options.Value.Key, AllowInsecureAgents: options.Value.AllowInsecureAgents);
            run = await launcher.LaunchAsync(launch, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _runs[run.Id] = run;
                _active = run;
            }
        }
        finally
        {
            lock (_gate) _launching = false;
        }
        await SaveAsync(run).ConfigureAwait(false);
        _ = SaveWhenDoneAsync(run);
        return run;
    }

    /// <summary>
    /// Starts one shard of a coordinator's distributed storm on this process (the agent side). It is this process's one
    /// storm while it runs, but the storm is the coordinator's: it is neither listed nor saved here.
    /// </summary>
    /// <exception cref="ArgumentException">The shard or its plan is invalid.</exception>
    /// <exception cref="InvalidOperationException">Another storm is running here.</exception>
    public StormRun StartShard(Flux.Protocol.Agents.ShardStart start, IShardExchange exchange)
    {
        var plan = (start.Plan ?? throw new ArgumentException("the start names no plan")).ToPlan();
        if (start.Shards is < 2 or > ShardSpec.MaxShards || start.Shard < 1 || start.Shard >= start.Shards)
        {
            throw new ArgumentException($"shard {start.Shard} of {start.Shards} is not an agent's shard (1 to shards - 1, with 2 to {ShardSpec.MaxShards} shards)");
        }
        if (string.IsNullOrWhiteSpace(start.RunId)) throw new ArgumentException("the start names no run id");
        if (plan.Target != TargetKind.Flux) throw new ArgumentException("only a Flux storm can be distributed");
        if (plan.Gateways.Count == 0) throw new ArgumentException("the coordinator must name the gateways in the plan");
        var errors = StormPlanValidator.Validate(plan, options.Value.AllowRemoteGateways);
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors));
        var targets = plan.Gateways.Select((url, i) => new GatewayTarget($"gateway {i}", new Uri(url), null)).ToList();
        lock (_gate)
        {
            if (_launching || _active is { IsOver: false })
            {
                throw new InvalidOperationException(_launching ? "a storm is starting on this swarm process" : $"storm {_active!.Id} is still running on this swarm process");
            }
            // Faults on shared parts are the coordinator's (shard 0): an agent needs no admin clients and no Redis.
            var run = StormRun.Start(plan, targets, tokens, metrics, logger, start.RunId, start.Seed,
                role: new ShardRole(new ShardSpec(start.Shard, start.Shards), start.StartUnixUs, exchange));
            _active = run;
            // The coordinator keeps the storm; once the shard is over this process lets it go.
            _ = run.Completion.ContinueWith(_ =>
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_active, run)) _active = null;
                }
                GiveMemoryBackWhenIdle();
            }, TaskScheduler.Default);
            return run;
        }
    }

    /// <summary>The storm running on this process now, if any (a coordinator's or a standalone one; not an agent's shard).</summary>
    public StormRun? Running
    {
        get
        {
            lock (_gate) return _active is { IsOver: false } active && _runs.ContainsKey(active.Id) ? active : null;
        }
    }

    public StormRun? Find(string id)
    {
        lock (_gate) return _runs.GetValueOrDefault(id);
    }

    /// <summary>How many runs this process holds whole (running, or finished and not yet released): for tests and metrics.</summary>
    public int RunsHeld
    {
        get
        {
            lock (_gate) return _runs.Count;
        }
    }

    public async Task<StormStatus?> GetStatusAsync(string id)
    {
        if (Find(id) is { } run) return StormStatusMapper.ToStatus(run, includeReport: true);
        StormStatus? kept;
        lock (_gate) kept = _finished.GetValueOrDefault(id);
        return kept ?? await history.GetAsync(id).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StormStatus>> ListAsync(int limit)
    {
        var stored = await history.ListAsync(limit <= 0 ? options.Value.HistoryLimit : Math.Min(limit, options.Value.HistoryLimit)).ConfigureAwait(false);
        // Runs of this process are fresher than what was last saved.
        return stored.Select(s => Find(s.Id) is { } run ? StormStatusMapper.ToStatus(run, includeReport: false) : s).ToList();
    }

    /// <summary>Runs that a previous swarm process left unfinished can never finish: mark them failed.</summary>
    public async Task MarkOrphansAsync()
    {
        foreach (var status in await history.ListAsync(options.Value.HistoryLimit).ConfigureAwait(false))
        {
            if (status.Phase is StormPhase.Finished or StormPhase.Failed || Find(status.Id) is not null) continue;
            var stored = await history.GetAsync(status.Id).ConfigureAwait(false) ?? status;
            stored.Phase = StormPhase.Failed;
            stored.Error = "the swarm restarted during this storm";
            stored.Verdict = "failed: the swarm restarted during this storm";
            await history.SaveAsync(stored, options.Value.HistoryLimit).ConfigureAwait(false);
        }
    }

    // Once the run is over: its final status is saved, and the run itself (users, ledgers, histograms) let go.
    private async Task SaveWhenDoneAsync(StormRun run)
    {
        try
        {
            await run.Completion.ConfigureAwait(false);
        }
        finally
        {
            var status = await SaveAsync(run).ConfigureAwait(false);
            Release(run, status);
            GiveMemoryBackWhenIdle();
        }
    }

    /// <summary>
    /// A finished storm's users, ledgers and histograms are garbage once it is released, but the GC keeps the memory
    /// they took and hands it out again, so the process's RSS wanders with the storms (177 to 325 MB over 53 smoke
    /// storms, docs/benchmarks.md "Retention"). With no storm running, one compacting collection that returns free
    /// memory to the OS puts it back at its idle size. It pauses this process for tens of milliseconds, when no storm
    /// is there to measure it.
    /// </summary>
    private void GiveMemoryBackWhenIdle()
    {
        lock (_gate)
        {
            if (_launching || _active is { IsOver: false }) return;
        }
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private async Task<StormStatus> SaveAsync(StormRun run)
    {
        var status = StormStatusMapper.ToStatus(run, includeReport: true);
        try
        {
            await history.SaveAsync(status, options.Value.HistoryLimit).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not save storm {RunId} to Redis; its final status stays in this process's memory", run.Id);
        }
        return status;
    }

    private void Release(StormRun run, StormStatus final)
    {
        lock (_gate)
        {
            _runs.Remove(run.Id);
            if (ReferenceEquals(_active, run)) _active = null;
            _finished[run.Id] = final;
            _finishedOrder.Enqueue(run.Id);
            while (_finishedOrder.Count > FinishedKeptInMemory) _finished.Remove(_finishedOrder.Dequeue());
        }
    }
}
