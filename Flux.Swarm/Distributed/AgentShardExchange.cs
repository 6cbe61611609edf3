using System.Threading.Channels;
using Flux.Protocol.Agents;
using Grpc.Core;

namespace Flux.Swarm.Distributed;

/// <summary>
/// An agent's side of a distributed storm: its shard's seconds and parts go to the coordinator over the
/// <c>RunShard</c> call's response stream (one writer, in order), and the coordinator's answers come back through
/// <see cref="Deliver"/>. If the coordinator goes away every wait fails, and the shard's run ends.
/// </summary>
internal sealed class AgentShardExchange(IServerStreamWriter<AgentMessage> responses) : IShardExchange
{
    private readonly Channel<AgentMessage> _outbox = Channel.CreateUnbounded<AgentMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<ShardEpochs> _epochs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ShardReceipts> _receipts = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ShardReceipts _gathered = new();

    /// <summary>Writes everything queued to the coordinator, in order, until <see cref="Complete"/>.</summary>
    public async Task WriteAllAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Send(AgentMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>Nothing more will be sent.</summary>
    public void Complete() => _outbox.Writer.TryComplete();

    /// <summary>A message from the coordinator. False for one out of place (a protocol error).</summary>
    public bool Deliver(CoordinatorMessage message)
    {
        switch (message.BodyCase)
        {
            case CoordinatorMessage.BodyOneofCase.Epochs:
                return _epochs.TrySetResult(message.Epochs);
            case CoordinatorMessage.BodyOneofCase.Receipts:
                if (_receipts.Task.IsCompleted) return false;
                if (ShardMessages.Gather(_gathered, message.Receipts)) _receipts.TrySetResult(_gathered);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The coordinator went away (or broke the protocol): whatever the shard waits for will not come.</summary>
    public void Abandon(string why)
    {
        var ex = new InvalidOperationException($"the coordinator {why}");
        _epochs.TrySetException(ex);
        _receipts.TrySetException(ex);
        Complete();
    }

    public void PublishSecond(ShardSecond second) => Send(new AgentMessage { Second = second });

    public IReadOnlyList<(int Shard, ShardSecond Second)> TakeSeconds() => [];

    public async Task<ShardEpochs> ExchangeEpochsAsync(ShardEpochs local, CancellationToken cancellationToken)
    {
        Send(new AgentMessage { Epochs = local });
        return await _epochs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ShardReceipts> ExchangeReceiptsAsync(ShardReceipts local, CancellationToken cancellationToken)
    {
        foreach (var part in ShardMessages.Split(local)) Send(new AgentMessage { Receipts = part });
        return await _receipts.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ShardTally>?> ExchangeTalliesAsync(ShardTally local, CancellationToken cancellationToken)
    {
        Send(new AgentMessage { Tally = local });
        Complete();
        return Task.FromResult<IReadOnlyList<ShardTally>?>(null);
    }

    public void Stop()
    {
        // Only the coordinator stops a storm; an agent's run is stopped by it.
    }
}
