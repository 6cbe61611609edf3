using Flux.Protocol.Agents;
using Flux.Protocol.Control;
using Flux.Swarm.Runs;

namespace Flux.Swarm.Distributed;

/// <summary>
/// How one shard of a distributed storm meets the others (see <c>Distributed/</c>). The coordinator's side gathers every
/// agent's part, merges it with its own and hands the whole back; an agent's side sends its part to the coordinator and
/// waits for the whole. A storm on one process has none.
/// </summary>
internal interface IShardExchange
{
    /// <summary>One second of this shard: its snapshot and its exact latency that second (agents send it on).</summary>
    void PublishSecond(ShardSecond second);

    /// <summary>The other shards' seconds received since the last call, by shard (the coordinator merges them into its own).</summary>
    IReadOnlyList<(int Shard, ShardSecond Second)> TakeSeconds();

    /// <summary>After the drain: this shard's highest seq per guild epoch, for the maximum over every shard.</summary>
    Task<ShardEpochs> ExchangeEpochsAsync(ShardEpochs local, CancellationToken cancellationToken);

    /// <summary>Once users are closed: the messages this shard's users received, for the union over every shard.</summary>
    Task<ShardReceipts> ExchangeReceiptsAsync(ShardReceipts local, CancellationToken cancellationToken);

    /// <summary>
    /// This shard's count. The coordinator gets every shard's (its own first) to build the report from; an agent gets
    /// null: its part is done.
    /// </summary>
    Task<IReadOnlyList<ShardTally>?> ExchangeTalliesAsync(ShardTally local, CancellationToken cancellationToken);

    /// <summary>The storm was stopped: every shard ends its steady phase.</summary>
    void Stop();
}

/// <summary>A run's part of a distributed storm: its shard, the agreed start on its own clock, and how it meets the others.</summary>
/// <param name="Placements">Where each shard runs (the coordinator's run only, for the report).</param>
internal sealed record ShardRole(ShardSpec Shard, long StartUnixMicroseconds, IShardExchange Exchange, IReadOnlyList<ShardPlacement>? Placements = null)
{
    /// <summary>
    /// How long a shard waits for the others at each step of the end: each may drain for up to its cap (2 minutes) twice,
    /// before and after the shards pool their guilds' tops, then close its users.
    /// </summary>
    public static readonly TimeSpan ExchangeTimeout = TimeSpan.FromMinutes(5);
}
