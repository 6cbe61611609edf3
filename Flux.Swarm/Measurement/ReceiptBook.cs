namespace Flux.Swarm.Measurement;

/// <summary>
/// In a distributed storm, the messages of other shards that this shard's users received: one row per message (by
/// nonce), with its guild, the seq it got and its intended send time. The shard's own sends are in its
/// <see cref="DeliveryLedger"/>. At the end every shard hands both to the coordinator, which returns the union, so each
/// shard learns which of its sends anyone received and when each missing seq was sent. Rows are stored by the sending
/// shard and its local index, in chunks allocated on first use: recording is lock-free, from any receive loop.
/// </summary>
internal sealed class ReceiptBook
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;
    private const int MaxChunks = 1 << 16; // about a billion messages per shard

    private readonly int _shard;
    private readonly int _shards;
    private readonly Receipt[]?[][] _chunks;

    public ReceiptBook(int shard, int shards)
    {
        _shard = shard;
        _shards = Math.Max(1, shards);
        _chunks = new Receipt[]?[_shards][];
        for (int s = 0; s < _shards; s++) _chunks[s] = s == shard ? [] : new Receipt[]?[MaxChunks];
    }

    /// <summary>A copy of another shard's message <paramref name="id"/> arrived (or another shard reported one did).</summary>
    public void Record(long id, int guild, long seq, long intendedMicroseconds)
    {
        if (id < 0 || seq <= 0) return;
        int from = (int)(id % _shards);
        long local = id / _shards;
        if (from == _shard || (local >> ChunkBits) >= MaxChunks) return;
        var row = _chunks[from];
        int chunkIndex = (int)(local >> ChunkBits);
        var chunk = Volatile.Read(ref row[chunkIndex]);
        if (chunk is null)
        {
            Interlocked.CompareExchange(ref row[chunkIndex], new Receipt[ChunkSize], null);
            chunk = row[chunkIndex]!;
        }
        ref var receipt = ref chunk[local & (ChunkSize - 1)];
        if (Volatile.Read(ref receipt.Seq) != 0) return;
        // Every copy of one message carries the same guild and time, so racing writers write the same values.
        receipt.Guild = guild;
        receipt.IntendedMicroseconds = intendedMicroseconds;
        Interlocked.CompareExchange(ref receipt.Seq, seq, 0);
    }

    /// <summary>Every recorded message: id, guild, seq and intended send time. Read once the shard's users are closed.</summary>
    public IEnumerable<(long Id, int Guild, long Seq, long IntendedMicroseconds)> All()
    {
        for (int from = 0; from < _shards; from++)
        {
            var row = _chunks[from];
            for (int c = 0; c < row.Length; c++)
            {
                if (row[c] is not { } chunk) continue;
                for (int i = 0; i < chunk.Length; i++)
                {
                    if (chunk[i].Seq == 0) continue;
                    long local = ((long)c << ChunkBits) + i;
                    yield return (local * _shards + from, chunk[i].Guild, chunk[i].Seq, chunk[i].IntendedMicroseconds);
                }
            }
        }
    }

    private struct Receipt
    {
        public int Guild;
        public long Seq;
        public long IntendedMicroseconds;
    }
}
