namespace Flux.Gateway.Fanout;

/// <summary>
/// One connection's membership of one guild, and its cursor: the last seq it was given.
/// A member starts out joining: live messages are stashed while history is replayed to it. <see cref="GoLive"/>
/// then hands over the stash, skipping every seq the replay already covered, so the seam between replay and
/// live has no duplicate and no gap. After that, each live message goes straight to the recipient.
/// </summary>
internal sealed class GuildMember(GuildFanout guild, IGuildRecipient recipient, int stashLimit)
{
    private readonly Lock _gate = new();
    private List<(long Seq, OutboundFrame Frame)>? _stash = [];
    private volatile bool _live;
    private long _cursor;

    public GuildFanout Guild { get; } = guild;

    public IGuildRecipient Recipient { get; } = recipient;

    /// <summary>Its slot in the guild's <see cref="MemberSlots"/>, or -1; written only under the guild's lock.</summary>
    public int Slot { get; set; } = -1;

    public bool IsLive => _live;

    /// <summary>The last seq handed to the recipient.</summary>
    public long Cursor => Volatile.Read(ref _cursor);

    /// <summary>Called by the guild's fan-out, one message at a time, in seq order.</summary>
    public void Offer(long seq, in OutboundFrame frame)
    {
        if (!_live)
        {
            lock (_gate)
            {
                if (!_live)
                {
                    if (_stash!.Count >= stashLimit)
                    {
                        Recipient.OnOverflow();
                        return;
                    }
                    _stash.Add((seq, frame));
                    return;
                }
            }
        }
        DeliverLive(seq, frame);
    }

    /// <summary>Ends the join: everything up to <paramref name="cursor"/> was given from history (or predates the join).</summary>
    public void GoLive(long cursor)
    {
        lock (_gate)
        {
            Volatile.Write(ref _cursor, Math.Max(_cursor, cursor));
            foreach (var (seq, frame) in _stash!)
            {
                DeliverLive(seq, frame);
            }
            _stash = null;
            _live = true;
        }
    }

    // Only the guild's fan-out (or GoLive, before _live is set) calls this, so the cursor has one writer at a time.
    private void DeliverLive(long seq, in OutboundFrame frame)
    {
        if (seq <= _cursor) return; // already given, from history
        Volatile.Write(ref _cursor, seq);
        if (Recipient.Deliver(frame) == EnqueueResult.Overflow)
        {
            Recipient.OnOverflow();
        }
    }
}
