using Flux.Protocol.Agents;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Grpc.Core;
using Grpc.Net.Client;
using Flux.Protocol.Security;

namespace Flux.Swarm.Distributed;

/// <summary>
/// The coordinator's side of a distributed storm. It runs shard 0 itself (in the storm run it is the
/// exchange of) and one shard on each agent, over one <c>RunShard</c> call per agent (swarm_agent.proto). Before the
/// start it measures each agent's clock offset and refuses a storm whose clocks it cannot bound within
/// <see cref="ClockSync.MaxUncertaintyMicroseconds"/>; then it gives every shard the same zero. During the run it
/// takes the agents' seconds; at the end it merges their guild tops, receipts and tallies with its own.
/// </summary>
internal sealed class ShardCoordinator : IShardExchange, IAsyncDisposable
{
    /// <summary>How far ahead the common zero is set, so every agent has its users built before it.</summary>
    private static readonly TimeSpan StartLead = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly List<AgentLink> _agents;
    private readonly List<(int Shard, ShardSecond Second)> _seconds = [];

    private readonly ShardPlacement[] _placements;
    private readonly long _clockLimitMicroseconds;

    private ShardCoordinator(List<AgentLink> agents, IReadOnlyList<ShardPlacement> placements, long clockLimitMicroseconds)
    {
        _agents = agents;
        _placements = [.. placements];
        _clockLimitMicroseconds = clockLimitMicroseconds;
    }

    /// <summary>Where each shard runs: the coordinator (shard 0), then each agent in order; after the run, with each clock's drift.</summary>
    public IReadOnlyList<ShardPlacement> Placements => _placements;

    /// <summary>Connects to every agent and measures its clock.</summary>
    /// <exception cref="ArgumentException">The plan cannot be distributed, or an agent URL is not http(s).</exception>
    /// <exception cref="InvalidOperationException">An agent cannot be reached, or its clock cannot be bounded closely enough.</exception>
    public static async Task<ShardCoordinator> ConnectAsync(IReadOnlyList<Uri> agents, StormPlan plan, AgentAccess access, CancellationToken cancellationToken)
    {
        if (plan.Target != TargetKind.Flux)
        {
            throw new ArgumentException($"a {plan.Target.ToWire()} storm runs on one swarm process: a peer has no seqs, so its users count by the order one scheduler sent in");
        }
        if (agents.Count >= ShardSpec.MaxShards) throw new ArgumentException($"{agents.Count} agents: a storm has at most {ShardSpec.MaxShards - 1}");
        foreach (var agent in agents)
        {
            if (agent.Scheme is not ("http" or "https")) throw new ArgumentException($"agent URL {agent} is not http(s)");
            access.Check(agent);
        }
        var links = new List<AgentLink>();
        var placements = new List<ShardPlacement> { new("coordinator", 0, 0) };
        long limit = ClockSync.MaxUncertaintyMicroseconds(plan);
        try
        {
            foreach (var url in agents)
            {
                var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
                {
                    // Receipts travel in parts of ShardMessages.RowsPerPart rows; a tally's histograms are small.
                    MaxReceiveMessageSize = 64 << 20,
                    MaxSendMessageSize = 64 << 20,
                    // An agent that freezes or is cut off ends its call within half a minute, instead of never.
                    HttpHandler = new SocketsHttpHandler
                    {
                        KeepAlivePingDelay = TimeSpan.FromSeconds(15),
                        KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
                        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                        EnableMultipleHttp2Connections = true,
                    },
                });
                var link = new AgentLink(links.Count + 1, url, channel, access.Key);
                links.Add(link);
                ShardPlacement placement;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(StartTimeout);
                    placement = await ClockSync.MeasureAsync(url.ToString(), link.Client, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or OperationCanceledException)
                {
                    throw new InvalidOperationException($"cannot reach swarm agent {url}: {(ex as RpcException)?.Status.Detail ?? "no answer"}", ex);
                }
                if (placement.ClockUncertaintyMicroseconds > limit)
                {
                    throw new InvalidOperationException(
                        $"the clock of swarm agent {url} cannot be bounded within {limit / 1000.0:0.###} ms (a tenth of the p95 limit): the best round trip was {placement.ClockUncertaintyMicroseconds * 2 / 1000.0:0.###} ms");
                }
                placements.Add(placement);
            }
        }
        catch
        {
            foreach (var link in links) link.Dispose();
            throw;
        }
        return new ShardCoordinator(links, placements, limit);
    }

    /// <summary>
    /// Starts every agent's shard, with the zero <see cref="StartLead"/> from now, and returns shard 0's role for the
    /// coordinator's own run. Throws if any agent refuses.
    /// </summary>
    /// <exception cref="ArgumentException">An agent refused the plan.</exception>
    /// <exception cref="InvalidOperationException">An agent is busy or did not answer.</exception>
    public async Task<ShardRole> StartAsync(string runId, int seed, StormPlan plan, CancellationToken cancellationToken)
    {
        int shards = _agents.Count + 1;
        long zero = StormClock.UnixMicrosecondsNow() + (long)StartLead.TotalMicroseconds;
        var message = plan.ToMessage();
        foreach (var link in _agents)
        {
            var placement = Placements[link.Shard];
            link.Open(this);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            await link.WriteAsync(new CoordinatorMessage
            {
                Start = new ShardStart
                {
                    RunId = runId, Seed = seed, Plan = message, Shard = link.Shard, Shards = shards,
                    StartUnixUs = zero + placement.ClockOffsetMicroseconds,
                },
            }, timeout.Token).ConfigureAwait(false);
        }
        foreach (var link in _agents)
        {
            try
            {
                await link.Started.Task.WaitAsync(StartTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                throw new ArgumentException($"swarm agent {link.Url} refused the storm: {ex.Status.Detail}", ex);
            }
            catch (Exception ex) when (ex is RpcException or TimeoutException or InvalidOperationException)
            {
                throw new InvalidOperationException($"swarm agent {link.Url} did not start its shard: {(ex as RpcException)?.Status.Detail ?? ex.Message}", ex);
            }
        }
        return new ShardRole(new ShardSpec(0, shards), zero, this, Placements);
    }

    public void PublishSecond(ShardSecond second)
    {
        // The coordinator's own seconds are its snapshots.
    }

    public IReadOnlyList<(int Shard, ShardSecond Second)> TakeSeconds()
    {
        lock (_seconds)
        {
            var taken = _seconds.ToList();
            _seconds.Clear();
            return taken;
        }
    }

    public async Task<ShardEpochs> ExchangeEpochsAsync(ShardEpochs local, CancellationToken cancellationToken)
    {
        var parts = new List<ShardEpochs> { local };
        foreach (var link in _agents) parts.Add(await link.Await(link.Epochs, cancellationToken).ConfigureAwait(false));
        var tops = ShardMessages.Merge(parts);
        foreach (var link in _agents) await link.WriteAsync(new CoordinatorMessage { Epochs = tops }, cancellationToken).ConfigureAwait(false);
        return tops;
    }

    public async Task<ShardReceipts> ExchangeReceiptsAsync(ShardReceipts local, CancellationToken cancellationToken)
    {
        var parts = new List<ShardReceipts> { local };
        foreach (var link in _agents) parts.Add(await link.Await(link.Receipts, cancellationToken).ConfigureAwait(false));
        var union = ShardMessages.Union(parts);
        foreach (var link in _agents)
        {
            foreach (var part in ShardMessages.Split(union)) await link.WriteAsync(new CoordinatorMessage { Receipts = part }, cancellationToken).ConfigureAwait(false);
        }
        return union;
    }

    public async Task<IReadOnlyList<ShardTally>?> ExchangeTalliesAsync(ShardTally local, CancellationToken cancellationToken)
    {
        var tallies = new List<ShardTally> { local };
        foreach (var link in _agents)
        {
            var tally = await link.Await(link.Tally, cancellationToken).ConfigureAwait(false);
            if (tally.Error.Length > 0) throw new InvalidOperationException($"swarm agent {link.Url} failed its shard: {tally.Error}");
            await CheckDriftAsync(link, tally, cancellationToken).ConfigureAwait(false);
            tallies.Add(tally);
        }
        foreach (var link in _agents) await link.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return tallies;
    }

    // The offset was measured once, before the start; each shard then ran on its own stopwatch. Measured again now, a
    // change beyond the limit means cross-shard latencies drifted by that much during the run: the run cannot be judged
    // on them, so the shard counts as a generator that could not keep to the plan (the storm is inconclusive).
    private async Task CheckDriftAsync(AgentLink link, ShardTally tally, CancellationToken cancellationToken)
    {
        var start = _placements[link.Shard];
        ShardPlacement end;
        try
        {
            end = await ClockSync.MeasureAsync(start.Where, link.Client, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            tally.Notes.Add($"its clock could not be read again after the run ({ex.Status.Detail}): its drift is unknown");
            return;
        }
        long drift = end.ClockOffsetMicroseconds - start.ClockOffsetMicroseconds;
        _placements[link.Shard] = start with { ClockDriftMicroseconds = drift };
        long worst = Math.Abs(drift) + start.ClockUncertaintyMicroseconds + end.ClockUncertaintyMicroseconds;
        if (worst <= _clockLimitMicroseconds) return;
        string reason = $"its clock drifted {drift / 1000.0:0.###} ms from the coordinator's during the run (± {(start.ClockUncertaintyMicroseconds + end.ClockUncertaintyMicroseconds) / 1000.0:0.###} ms), " +
            $"over the {_clockLimitMicroseconds / 1000.0:0.###} ms a tenth of the p95 limit allows: latencies across shards are uncertain by that much";
        tally.Generator ??= new GeneratorTally();
        tally.Generator.Reason = tally.Generator.Saturated ? $"{reason}; {tally.Generator.Reason}" : reason;
        tally.Generator.Saturated = true;
    }

    public void Stop()
    {
        foreach (var link in _agents) _ = link.TryWriteAsync(new CoordinatorMessage { Stop = new ShardStop() });
    }

    public ValueTask DisposeAsync()
    {
        foreach (var link in _agents) link.Dispose();
        return ValueTask.CompletedTask;
    }

    private void AddSecond(int shard, ShardSecond second)
    {
        lock (_seconds) _seconds.Add((shard, second));
    }

    /// <summary>One agent: its call, and what it has sent at each step of the end.</summary>
    private sealed class AgentLink(int shard, Uri url, GrpcChannel channel, string? key) : IDisposable
    {
        private readonly SemaphoreSlim _writeGate = new(1, 1);
        private readonly CancellationTokenSource _closed = new();
        private AsyncDuplexStreamingCall<CoordinatorMessage, AgentMessage>? _call;

        public int Shard { get; } = shard;
        public Uri Url { get; } = url;
        public SwarmAgent.SwarmAgentClient Client { get; } = new(ServiceKey.Swarm.Attach(channel, key));
        public TaskCompletionSource<ShardStarted> Started { get; } = New<ShardStarted>();
        public TaskCompletionSource<ShardEpochs> Epochs { get; } = New<ShardEpochs>();
        public TaskCompletionSource<ShardReceipts> Receipts { get; } = New<ShardReceipts>();
        public TaskCompletionSource<ShardTally> Tally { get; } = New<ShardTally>();

        public void Open(ShardCoordinator coordinator)
        {
            _call = Client.RunShard(cancellationToken: _closed.Token);
            _ = ReadAsync(coordinator, _call);
        }

        public async Task<T> Await<T>(TaskCompletionSource<T> step, CancellationToken cancellationToken)
        {
            try
            {
                return await step.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex)
            {
                throw new InvalidOperationException($"swarm agent {Url} did not finish its shard within {ShardRole.ExchangeTimeout.TotalSeconds:0} s", ex);
            }
            catch (RpcException ex)
            {
                throw new InvalidOperationException($"swarm agent {Url} failed its shard: {ex.Status.Detail}", ex);
            }
        }

        /// <exception cref="InvalidOperationException">The agent's call failed, or the write did not finish in time.</exception>
        public async Task WriteAsync(CoordinatorMessage message, CancellationToken cancellationToken)
        {
            try
            {
                await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await _call!.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _writeGate.Release();
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
            {
                throw new InvalidOperationException($"swarm agent {Url} could not be sent its {message.BodyCase}: {(ex as RpcException)?.Status.Detail ?? ex.Message}", ex);
            }
        }

        public async Task TryWriteAsync(CoordinatorMessage message)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                if (_call is not null) await WriteAsync(message, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
                // The agent is gone; its shard's end reports that.
            }
        }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _call!.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or IOException)
            {
                // The agent has sent its tally: a call that ended meanwhile changes nothing.
            }
            finally
            {
                _writeGate.Release();
            }
        }

        private async Task ReadAsync(ShardCoordinator coordinator, AsyncDuplexStreamingCall<CoordinatorMessage, AgentMessage> call)
        {
            var receipts = new ShardReceipts();
            try
            {
                await foreach (var message in call.ResponseStream.ReadAllAsync(_closed.Token).ConfigureAwait(false))
                {
                    switch (message.BodyCase)
                    {
                        case AgentMessage.BodyOneofCase.Started:
                            Started.TrySetResult(message.Started);
                            break;
                        case AgentMessage.BodyOneofCase.Second:
                            coordinator.AddSecond(Shard, message.Second);
                            break;
                        case AgentMessage.BodyOneofCase.Epochs:
                            Epochs.TrySetResult(message.Epochs);
                            break;
                        case AgentMessage.BodyOneofCase.Receipts:
                            if (ShardMessages.Gather(receipts, message.Receipts)) Receipts.TrySetResult(receipts);
                            break;
                        case AgentMessage.BodyOneofCase.Tally:
                            Tally.TrySetResult(message.Tally);
                            // A failed shard sends its error as its tally, whatever step the coordinator waits at.
                            if (message.Tally.Error.Length > 0) Fail(new RpcException(new Status(StatusCode.Aborted, message.Tally.Error)));
                            break;
                    }
                }
                Fail(new RpcException(new Status(StatusCode.Unavailable, "the agent ended its shard early")));
            }
            catch (Exception ex)
            {
                Fail(ex is RpcException ? ex : new RpcException(new Status(StatusCode.Internal, ex.Message)));
            }
        }

        private void Fail(Exception ex)
        {
            Started.TrySetException(ex);
            Epochs.TrySetException(ex);
            Receipts.TrySetException(ex);
            Tally.TrySetException(ex);
        }

        public void Dispose()
        {
            _closed.Cancel();
            _call?.Dispose();
            channel.Dispose();
            _closed.Dispose();
        }

        private static TaskCompletionSource<T> New<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
