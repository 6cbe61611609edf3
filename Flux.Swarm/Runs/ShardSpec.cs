namespace Flux.Swarm.Runs;

/// <summary>
/// Which part of a storm this process runs. A storm on one process is shard 0 of 1. On several (a coordinator and its
/// agents, see <c>Distributed/</c>), shard <see cref="Index"/> of <see cref="Count"/> owns the users whose index modulo
/// the count is its own, sends at its share of the rate, and numbers its messages <c>local × Count + Index</c>, so every
/// nonce names the shard that sent it. Shard 0 alone injects the faults that act on shared parts (gateways, Redis).
/// </summary>
internal sealed record ShardSpec(int Index, int Count)
{
    public static readonly ShardSpec Whole = new(0, 1);

    /// <summary>The most shards one storm may have (each shard keeps a receipt table per other shard).</summary>
    public const int MaxShards = 256;

    /// <summary>The shard that injects faults on the gateways and Redis (once per storm, not once per shard).</summary>
    public bool IsLead => Index == 0;

    public bool Owns(int user) => user % Count == Index;

    /// <summary>How many of <paramref name="total"/> things (users, clients of a fault) are this shard's: an even split.</summary>
    public int ShareOf(int total) => total / Count + (Index < total % Count ? 1 : 0);
}
