using System.Diagnostics;
using Flux.Protocol.Agents;
using Flux.Protocol.Auth;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Distributed;
using Flux.Swarm.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;
using Flux.Swarm.Users;

namespace Flux.Swarm.Storms;

/// <summary>
/// One storm, phase by phase: users arrive as a Poisson process over the ramp, the scheduler sends at the planned rate,
/// faults fire on time (<see cref="FaultInjector"/>), and after the steady phase the run drains (<see cref="StormDrain"/>),
/// closes every connection and accounts for every message (<see cref="StormAccounting"/>, then
/// <see cref="StormReportBuilder"/>). Snapshots, one a second (<see cref="LiveSampler"/>), are kept for anyone watching,
/// from the start.
/// </summary>
internal sealed class StormRun
{
    private readonly StormContext _storm;
    private readonly HeartbeatWheel _heartbeats = new();
    private readonly List<SimulatedUser> _users = [];
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly Lock _gate = new();
    private readonly List<StormSnapshot> _snapshots = [];
    private readonly ShardRole? _role;
    private readonly LiveSampler _sampler;
    private TaskCompletionSource _snapshotAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile StormPhase _phase = StormPhase.Idle;
    private volatile bool _complete;

    private StormRun(StormContext storm, ShardRole? role)
    {
        _storm = storm;
        _role = role;
        Sla = new SlaMonitor(storm.Plan.Sla);
        _sampler = new LiveSampler(storm, _users, Sla, role);
        StartedAt = storm.Time.GetUtcNow();
    }

    public string Id => _storm.RunId;

    public StormPlan Plan => _storm.Plan;

    public StormPhase Phase => _phase;

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public StormReport? Report { get; private set; }

    public string? Error { get; private set; }

    public bool IsOver => _phase is StormPhase.Finished or StormPhase.Failed;

    /// <summary>Over, and its final snapshot published: watchers can stop.</summary>
    public bool IsComplete => _complete;

    public Task Completion { get; private set; } = Task.CompletedTask;

    internal SlaMonitor Sla { get; }

    internal StormContext Context => _storm;

    internal IReadOnlyList<TimelineRow> Timeline => _sampler.Timeline;

    /// <param name="redis">The backplane's connection string, for the restart-redis fault; null when the swarm cannot reach it.</param>
    /// <param name="role">This run's part of a distributed storm (see <c>Distributed/</c>); null for a storm on this process alone.</param>
    public static StormRun Start(StormPlan plan, IReadOnlyList<GatewayTarget> gateways, TokenIssuer tokens,
        SwarmMetrics metrics, ILogger logger, string? runId = null, int? seed = null, string? redis = null, ShardRole? role = null,
        TimeProvider? time = null)
    {
        string id = runId ?? NewRunId();
        var storm = new StormContext(id, plan, gateways, tokens, metrics, logger, seed ?? Random.Shared.Next(), redis,
            role?.Shard, role?.StartUnixMicroseconds, time);
        var run = new StormRun(storm, role);
        run.Completion = Task.Run(run.RunAsync);
        return run;
    }

    public static string NewRunId() => $"s{DateTime.UtcNow:MMddHHmmss}{Random.Shared.Next(0, 1296):x3}";

    /// <summary>Ends the steady phase now (on every shard of a distributed storm); the run still drains and reports.</summary>
    public void Stop()
    {
        _stopRequested.Cancel();
        _role?.Exchange.Stop();
    }

    public bool StopRequested => _stopRequested.IsCancellationRequested;

    public StormSnapshot? Latest
    {
        get
        {
            lock (_gate) return _snapshots.Count > 0 ? _snapshots[^1] : null;
        }
    }

    /// <summary>Snapshots from index <paramref name="from"/> on, and a task that completes when the next one is added.</summary>
    public (IReadOnlyList<StormSnapshot> Snapshots, Task Next) SnapshotsFrom(int from)
    {
        lock (_gate)
        {
            return (from < _snapshots.Count ? _snapshots.GetRange(from, _snapshots.Count - from) : [], _snapshotAdded.Task);
        }
    }

    /// <summary>The run's counts so far, as the meter reads them.</summary>
    internal StormTotals Totals()
    {
        long delivered = 0, duplicates = 0;
        lock (_users)
        {
            foreach (var user in _users)
            {
                delivered += user.Receipts.Delivered;
                duplicates += user.Receipts.Duplicates;
            }
        }
        return new StormTotals(Interlocked.Read(ref _storm.Counters.Sent), delivered, duplicates);
    }

    private async Task RunAsync()
    {
        Activity.Current = null; // a storm is a trace of its own, not part of the request that started it
        using var root = SwarmActivities.Source.StartActivity("storm run", ActivityKind.Internal, parentContext: default);
        root?.SetTag("flux.storm.id", Id);
        root?.SetTag("flux.storm.scenario", Plan.Scenario);
        _storm.StormTrace = root?.Context ?? default;
        using var tracked = _storm.Metrics.Track(Totals);
        var plan = Plan;
        Log.StormStarting(_storm.Logger, Id, plan.Scenario, plan.Users, plan.Guilds, plan.Rate, _storm.Gateways.Count);
        var scheduler = new SendScheduler(_storm, _users, _heartbeats);
        var drain = new StormDrain(_storm, _users, distributed: _role is not null);
        var userTasks = new List<Task>(plan.Users);
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.CompletedTask;
        try
        {
            lock (_users)
            {
                for (int i = 0; i < plan.Users; i++)
                {
                    if (_storm.Shard.Owns(i)) _users.Add(new SimulatedUser(_storm, i, _heartbeats));
                }
            }
            var injector = new FaultInjector(_storm, _users);
            // The shards of a distributed storm start together, at the instant their clocks agree is zero.
            await WaitUntilAsync(0).ConfigureAwait(false);
            SetPhase(StormPhase.Ramping);
            scheduler.Start();
            sampler = _sampler.RunAsync(() => _phase, PublishSnapshot, sampling.Token);
            var faults = injector.RunAsync(_stopRequested.Token);

            using (StartPhaseSpan("storm ramp"))
            {
                await RampAsync(userTasks).ConfigureAwait(false);
                await WaitUntilAsync(plan.Ramp).ConfigureAwait(false);
            }
            if (!StopRequested) SetPhase(StormPhase.Steady);
            using (StartPhaseSpan("storm steady"))
            {
                await WaitUntilAsync(plan.TotalSeconds).ConfigureAwait(false);
            }

            SetPhase(StormPhase.Draining);
            double steadySeconds = Math.Max(0, _storm.Clock.NowSeconds - plan.Ramp);
            using (StartPhaseSpan("storm drain"))
            {
                scheduler.EndMicroseconds = Math.Min(scheduler.EndMicroseconds, _storm.Clock.NowMicroseconds);
                _stopRequested.Cancel(); // pending faults are not started any more
                await drain.SettleAsync().ConfigureAwait(false);
                if (_role is { } role)
                {
                    // A guild's top may have reached only another shard's users: every shard catches up to the highest.
                    using var timeout = new CancellationTokenSource(ShardRole.ExchangeTimeout);
                    var tops = await role.Exchange.ExchangeEpochsAsync(ShardMessages.Epochs(_storm.Epochs), timeout.Token).ConfigureAwait(false);
                    ShardMessages.Observe(_storm.Epochs, tops);
                    await drain.SettleAsync().ConfigureAwait(false);
                }
                drain.CountUsersNotBack();
                await Task.WhenAll(_users.Select(u => u.CloseAsync())).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                await _storm.Stopping.CancelAsync().ConfigureAwait(false);
                scheduler.Stop();
                await Task.WhenAll(userTasks).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
                await faults.WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
            }
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            // Deliveries since the last one-second sample (resumes that finished late in the drain) count too.
            foreach (var latency in _storm.Latency) latency.TakeInterval();
            Sla.Finish();

            IReadOnlyList<ShardTally>? tallies;
            if (_role is { } shard)
            {
                // The shards pool what their users received, then hand their counts to the coordinator.
                using var timeout = new CancellationTokenSource(ShardRole.ExchangeTimeout);
                var received = await shard.Exchange.ExchangeReceiptsAsync(ShardMessages.Receipts(_storm), timeout.Token).ConfigureAwait(false);
                ShardMessages.Apply(_storm, received);
                tallies = await shard.Exchange.ExchangeTalliesAsync(StormAccounting.Tally(_storm, _users, injector.NotInjected, [drain.Note, .. scheduler.Notes]), timeout.Token)
                    .ConfigureAwait(false);
            }
            else
            {
                tallies = [StormAccounting.Tally(_storm, _users, injector.NotInjected, [drain.Note, .. scheduler.Notes])];
            }
            FinishedAt = _storm.Time.GetUtcNow();
            if (tallies is not null)
            {
                Report = new StormReportBuilder(this, injector).Build(tallies, steadySeconds, drain.Note, _role?.Placements);
                root?.SetTag("flux.storm.outcome", Report.Outcome);
                root?.SetTag("flux.storm.verdict", Report.Verdict);
                Log.StormFinished(_storm.Logger, Id, Report.Verdict);
            }
            SetPhase(StormPhase.Finished);
        }
        catch (Exception ex)
        {
            Error = ex.Message;
            FinishedAt = _storm.Time.GetUtcNow();
            Log.StormFailed(_storm.Logger, Id, ex);
            root?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await _storm.Stopping.CancelAsync().ConfigureAwait(false);
            scheduler.Stop();
            await sampling.CancelAsync().ConfigureAwait(false);
            SetPhase(StormPhase.Failed);
        }
        finally
        {
            _storm.Generator.Dispose();
            PublishSnapshot(_sampler.Snapshot(_phase, final: true, Report));
            _complete = true;
        }
    }

    // Connections arrive as a Poisson process over the ramp (uniform order statistics: exactly Users arrivals).
    private async Task RampAsync(List<Task> userTasks)
    {
        // Drawn for every user of the storm: a shard of a distributed one takes its own users' arrivals.
        var arrivals = PoissonSchedule.Arrivals(new Random(_storm.Seed + 1), Plan.Users, Plan.Ramp);
        for (int i = 0; i < _users.Count && !StopRequested; i++)
        {
            var wait = TimeSpan.FromSeconds(arrivals[_users[i].Index] - _storm.Clock.NowSeconds);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, _storm.Time, _stopRequested.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            userTasks.Add(_users[i].RunAsync());
        }
    }

    private async Task WaitUntilAsync(double second)
    {
        var wait = TimeSpan.FromSeconds(second - _storm.Clock.NowSeconds);
        if (wait <= TimeSpan.Zero || StopRequested) return;
        await Task.Delay(wait, _storm.Time, _stopRequested.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private Activity? StartPhaseSpan(string name) =>
        SwarmActivities.Source.StartActivity(name, ActivityKind.Internal, _storm.StormTrace);

    private void SetPhase(StormPhase phase)
    {
        _phase = phase;
        Log.StormPhase(_storm.Logger, Id, StormPhaseNames.ToText(phase));
    }

    private void PublishSnapshot(StormSnapshot snapshot)
    {
        TaskCompletionSource added;
        lock (_gate)
        {
            _snapshots.Add(snapshot);
            added = _snapshotAdded;
            _snapshotAdded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        added.TrySetResult();
    }
}
