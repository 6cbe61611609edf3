namespace Flux.Swarm.Measurement;

/// <summary>
/// Every message the storm sent, by id (the nonce): its guild, its intended send time, the seq the gateway gave it,
/// and how many copies came back. Storage is chunked so it grows without copying; ids are assigned by the single
/// send scheduler, and deliveries are counted from any receive loop.
/// </summary>
internal sealed class DeliveryLedger
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int MaxChunks = 1 << 14; // about a billion messages

    private readonly SentMessage[]?[] _chunks = new SentMessage[MaxChunks][];
    private long _count;

    public long Count => Volatile.Read(ref _count);

    /// <summary>Registers a send; called only by the send scheduler.</summary>
    public long Register(int guild, int sender, long intendedMicroseconds)
    {
        long id = _count;
        var chunk = _chunks[id >> ChunkBits] ??= new SentMessage[ChunkSize];
        chunk[id & (ChunkSize - 1)] = new SentMessage { Guild = guild, Sender = sender, IntendedMicroseconds = intendedMicroseconds };
        Volatile.Write(ref _count, id + 1);
        return id;
    }

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
    public long Seq;
    public int Deliveries;
    public int NotSent;
}
