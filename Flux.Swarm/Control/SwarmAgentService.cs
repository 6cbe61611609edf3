using Flux.Protocol.Agents;
using Flux.Swarm.Distributed;
using Flux.Swarm.Measurement;
using Flux.Swarm.Storms;
using Grpc.Core;

namespace Flux.Swarm.Control;

/// <summary>
/// The gRPC SwarmAgent service (swarm_agent.proto): this swarm process as an agent of a distributed storm. It runs one
/// shard for a coordinator, as long as the coordinator's call lasts, and counts as this process's one storm.
/// </summary>
internal sealed class SwarmAgentService(StormRegistry registry, ILogger<SwarmAgentService> logger) : SwarmAgent.SwarmAgentBase
{
    public override Task<ClockReading> ReadClock(ClockRequest request, ServerCallContext context) =>
        Task.FromResult(new ClockReading { UnixUs = StormClock.UnixMicrosecondsNow() });

    public override async Task RunShard(IAsyncStreamReader<CoordinatorMessage> requestStream, IServerStreamWriter<AgentMessage> responseStream,
        ServerCallContext context)
    {
        var cancelled = context.CancellationToken;
        if (!await requestStream.MoveNext(cancelled).ConfigureAwait(false) || requestStream.Current.BodyCase != CoordinatorMessage.BodyOneofCase.Start)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message of RunShard must be start"));
        }
        var exchange = new AgentShardExchange(responseStream);
        StormRun run;
        try
        {
            run = registry.StartShard(requestStream.Current.Start, exchange);
        }
        catch (ArgumentException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        exchange.Send(new AgentMessage { Started = new ShardStarted { Users = run.Context.Shard.ShareOf(run.Plan.Users) } });
        var writer = exchange.WriteAllAsync(cancelled);
        var reader = ReadAsync(requestStream, exchange, run, cancelled);
        try
        {
            await run.Completion.ConfigureAwait(false);
            if (run.Error is { } error)
            {
                // The coordinator is told, so its report names the agent that failed and why.
                exchange.Send(new AgentMessage { Tally = new ShardTally { Error = error } });
                exchange.Complete();
            }
            await writer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Storm {RunId}: the coordinator went away; shard {Shard} is abandoned", run.Id, run.Context.Shard.Index);
        }
        finally
        {
            run.Stop();
            exchange.Abandon("went away");
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<CoordinatorMessage> requests, AgentShardExchange exchange, StormRun run, CancellationToken cancelled)
    {
        try
        {
            while (await requests.MoveNext(cancelled).ConfigureAwait(false))
            {
                var message = requests.Current;
                if (message.BodyCase == CoordinatorMessage.BodyOneofCase.Stop)
                {
                    run.Stop();
                }
                else if (!exchange.Deliver(message))
                {
                    exchange.Abandon($"sent {message.BodyCase} out of place");
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or IOException or FormatException)
        {
            logger.LogDebug(ex, "Storm {RunId}: the coordinator's stream ended", run.Id);
        }
        // A coordinator that closed its side before the end has gone away: the shard stops and its waits fail. After the
        // tallies it has nothing more to say, and stopping a finished run does nothing.
        run.Stop();
        exchange.Abandon("closed the shard's call");
    }
}
