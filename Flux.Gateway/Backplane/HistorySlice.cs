namespace Flux.Gateway.Backplane;

/// <summary>
/// Frames read from a guild's history: <see cref="Frames"/> hold seqs <see cref="FromSeq"/> onward, in order.
/// </summary>
/// <param name="Latest">The guild's current seq when the slice was read.</param>
/// <param name="FirstHeld">The oldest seq history still holds; anything older is gone.</param>
/// <param name="Epoch">The lifetime of the guild's state the slice belongs to.</param>
internal readonly record struct HistorySlice(long Latest, long FirstHeld, long FromSeq, string Epoch, ReadOnlyMemory<byte>[] Frames)
{
    public long LastSeq => FromSeq + Frames.Length - 1;
}

/// <summary>A guild's current seq, and the epoch it counts in.</summary>
internal readonly record struct GuildState(long Seq, string Epoch);
