namespace Flux.Swarm.Measurement;

/// <summary>
/// Every message the storm sent, by id (the nonce): its guild, its intended send time, the seq the gateway gave it,
/// and how many copies came back. Storage is chunked so it grows without copying; ids are assigned by the single
/// send scheduler, and deliveries are counted from any receive loop.
/// <para>
/// Each message also gets its guild's next ordinal (1, 2, ...), in the order the scheduler registered them. A peer
/// target has no server seqs, so its users track ordinals instead: dense per guild, so the same bit-per-seq tracker
/// counts loss and duplicates by nonce.
/// </para>
/// </summary>
/// <para>
/// In a distributed storm each shard keeps the ledger of its own sends. A message's id (its nonce) is
/// <c>local × shards + shard</c>; the indexer and <see cref="Count"/> are by local index, <see cref="IdAt"/> gives the id.
/// </para>
internal sealed class DeliveryLedger
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int MaxChunks = 1 << 14; // about a billion messages

    private readonly SentMessage[]?[] _chunks = new SentMessage[MaxChunks][];
    private readonly long[] _guildOrdinals;
    private readonly int _shard;
    private readonly int _shards;
    private long _count;

    /// <param name="guilds">The run's guild count, so the ordinals never need to grow while users read them.</param>
    /// <param name="shard">This process's shard of the storm, and how many there are (ids are interleaved by shard).</param>
    public DeliveryLedger(int guilds = 16, int shard = 0, int shards = 1)
    {
        _guildOrdinals = new long[Math.Max(1, guilds)];
        _shard = shard;
        _shards = Math.Max(1, shards);
    }

    /// <summary>How many messages this shard registered (its local indexes are 0 to Count - 1).</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>The id (nonce) of the message at local index <paramref name="local"/>.</summary>
    public long IdAt(long local) => local * _shards + _shard;

    /// <summary>The shard that sent message <paramref name="id"/>.</summary>
    public int ShardOf(long id) => (int)(id % _shards);

    /// <summary>Registers a send; called only by the send scheduler. Returns the message's id.</summary>
    public long Register(int guild, int sender, long intendedMicroseconds)
    {
        long local = _count;
        // Sized for the run's guilds: growing the array would leave users reading a copy that no longer advances.
        if ((uint)guild >= (uint)_guildOrdinals.Length) throw new ArgumentOutOfRangeException(nameof(guild), guild, $"the ledger was made for {_guildOrdinals.Length} guilds");
        long ordinal = _guildOrdinals[guild] + 1;
        var chunk = _chunks[local >> ChunkBits] ??= new SentMessage[ChunkSize];
        chunk[local & (ChunkSize - 1)] = new SentMessage { Guild = guild, Sender = sender, IntendedMicroseconds = intendedMicroseconds, Ordinal = ordinal };
        Volatile.Write(ref _count, local + 1);
        // After the message is stored, so a reader that sees the ordinal can look the message up.
        Volatile.Write(ref _guildOrdinals[guild], ordinal);
        return IdAt(local);
    }

    /// <summary>
    /// The last ordinal registered in <paramref name="guild"/>. A peer user reads it when it becomes ready: every
    /// message after it was registered, and so written to a socket, after the server had joined the user to the guild.
    /// </summary>
    public long LastOrdinal(int guild)
    {
        return (uint)guild < (uint)_guildOrdinals.Length ? Volatile.Read(ref _guildOrdinals[guild]) : 0;
    }

    /// <summary>Whether <paramref name="id"/> is a message this shard sent.</summary>
    public bool Contains(long id) => TryLocal(id, out _);

    /// <summary>
    /// A copy of message <paramref name="id"/> arrived carrying <paramref name="seq"/> (or, in a distributed storm,
    /// another shard reported that one did). The first seq stays. False for an id this shard never sent.
    /// </summary>
    public bool MarkDelivered(long id, long seq)
    {
        if (!TryLocal(id, out long local)) return false;
        ref var message = ref _chunks[local >> ChunkBits]![local & (ChunkSize - 1)];
        // Every member's copy lands here, from the swarm's socket threads on every core: only the first writes, the
        // rest only read, so the line is not bounced between cores once per delivery.
        if (Volatile.Read(ref message.Seq) == 0) Interlocked.CompareExchange(ref message.Seq, seq, 0);
        return true;
    }

    /// <summary>The send failed on the socket, or the gateway refused it (an error frame): no copy is expected.</summary>
    public void MarkNotSent(long id)
    {
        if (!TryLocal(id, out long local)) return;
        Volatile.Write(ref _chunks[local >> ChunkBits]![local & (ChunkSize - 1)].NotSent, 1);
    }

    /// <summary>The message at local index <paramref name="local"/> (0 to <see cref="Count"/> - 1).</summary>
    public ref readonly SentMessage this[long local] => ref _chunks[local >> ChunkBits]![local & (ChunkSize - 1)];

    /// <summary>The message with id <paramref name="id"/>, which must be this shard's (see <see cref="Contains"/>).</summary>
    public ref readonly SentMessage ById(long id) => ref this[id / _shards];

    private bool TryLocal(long id, out long local)
    {
        local = id / _shards;
        return id >= 0 && id % _shards == _shard && local < Count;
    }
}

/// <summary>One sent message. <see cref="Seq"/> is 0 until a copy has come back.</summary>
internal struct SentMessage
{
    public int Guild;
    public int Sender;
    public long IntendedMicroseconds;
    /// <summary>The message's place in its guild, in registration order (from 1).</summary>
    public long Ordinal;
    public long Seq;
    public int NotSent;
}
