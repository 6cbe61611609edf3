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
internal sealed class DeliveryLedger
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int MaxChunks = 1 << 14; // about a billion messages

    private readonly SentMessage[]?[] _chunks = new SentMessage[MaxChunks][];
    private readonly long[] _guildOrdinals;
    private long _count;

    /// <param name="guilds">The run's guild count, so the ordinals never need to grow while users read them.</param>
    public DeliveryLedger(int guilds = 16) => _guildOrdinals = new long[Math.Max(1, guilds)];

    public long Count => Volatile.Read(ref _count);

    /// <summary>Registers a send; called only by the send scheduler.</summary>
    public long Register(int guild, int sender, long intendedMicroseconds)
    {
        long id = _count;
        // Sized for the run's guilds: growing the array would leave users reading a copy that no longer advances.
        if ((uint)guild >= (uint)_guildOrdinals.Length) throw new ArgumentOutOfRangeException(nameof(guild), guild, $"the ledger was made for {_guildOrdinals.Length} guilds");
        long ordinal = _guildOrdinals[guild] + 1;
        var chunk = _chunks[id >> ChunkBits] ??= new SentMessage[ChunkSize];
        chunk[id & (ChunkSize - 1)] = new SentMessage { Guild = guild, Sender = sender, IntendedMicroseconds = intendedMicroseconds, Ordinal = ordinal };
        Volatile.Write(ref _count, id + 1);
        // After the message is stored, so a reader that sees the ordinal can look the message up.
        Volatile.Write(ref _guildOrdinals[guild], ordinal);
        return id;
    }

    /// <summary>
    /// The last ordinal registered in <paramref name="guild"/>. A peer user reads it when it becomes ready: every
    /// message after it was registered, and so written to a socket, after the server had joined the user to the guild.
    /// </summary>
    public long LastOrdinal(int guild)
    {
        return (uint)guild < (uint)_guildOrdinals.Length ? Volatile.Read(ref _guildOrdinals[guild]) : 0;
    }

    /// <summary>Whether <paramref name="id"/> is a message this run sent.</summary>
    public bool Contains(long id) => (ulong)id < (ulong)Count;

    /// <summary>A copy of message <paramref name="id"/> arrived carrying <paramref name="seq"/>. False for an id this run never sent.</summary>
    public bool MarkDelivered(long id, long seq)
    {
        if ((ulong)id >= (ulong)Count) return false;
        ref var message = ref _chunks[id >> ChunkBits]![id & (ChunkSize - 1)];
        Interlocked.CompareExchange(ref message.Seq, seq, 0);
        Interlocked.Increment(ref message.Deliveries);
        return true;
    }

    /// <summary>The send failed on the socket, or the gateway refused it (an error frame): no copy is expected.</summary>
    public void MarkNotSent(long id)
    {
        if ((ulong)id >= (ulong)Count) return;
        Volatile.Write(ref _chunks[id >> ChunkBits]![id & (ChunkSize - 1)].NotSent, 1);
    }

    public ref readonly SentMessage this[long id] => ref _chunks[id >> ChunkBits]![id & (ChunkSize - 1)];
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
    public int Deliveries;
    public int NotSent;
}
