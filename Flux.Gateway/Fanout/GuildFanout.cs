using System.Text;
using Flux.Gateway.Backplane;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Logging;

namespace Flux.Gateway.Fanout;

/// <summary>
/// A guild's local fan-out on this replica: its members here, and the sequencer that hands them the guild's
/// messages exactly once and in seq order. Redis publishes in seq order, but a subscription can miss messages
/// (reconnects, or the moment a subscription starts), so a message whose seq skips ahead first pulls the
/// missing ones from history. Messages are processed one at a time per guild.
/// <para>
/// The sequencer also knows the guild's epoch. A message, a history read or a reconnect that shows another epoch
/// (or a seq that went back, or a stored message that is not the one delivered) means Redis lost the guild's state
/// and its seqs started over: every member is closed with 4007 rather than left to skip the new messages.
/// </para>
/// </summary>
internal sealed class GuildFanout(string id, IGuildHistory history, int historyChunk, GatewayMetrics metrics, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _processing = new(1, 1);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MemberSlots _members = new();
    private long _lastSeq;
    private byte[] _epoch = [];
    // The last epochs the sequencer left, newest last written at _leftNext - 1 (see ProcessAsync).
    private readonly byte[]?[] _left = new byte[]?[4];
    private int _leftNext;
    private ReadOnlyMemory<byte> _lastFrame;
    private long _idleSince = time.GetTimestamp();
    private long _expiryRefreshedAt;
    private bool _closed;
    private int _starting;

    public string Id { get; } = id;

    /// <summary>The last seq handed to local members.</summary>
    public long LastSeq => Volatile.Read(ref _lastSeq);

    /// <summary>The epoch the sequencer counts in.</summary>
    public string Epoch => Encoding.UTF8.GetString(Volatile.Read(ref _epoch));

    /// <summary>
    /// Whether the sequencer counts in <paramref name="epoch"/> (an empty one, from a session record older than epochs,
    /// matches any). Epochs are ASCII digits; compared without allocating, as it is asked on every send.
    /// </summary>
    public bool CountsIn(string epoch) => epoch.Length == 0 || IsCurrentEpoch(epoch);

    public int MemberCount => _members.Count;

    /// <summary>The recipients of the current members.</summary>
    public IEnumerable<IGuildRecipient> Recipients() => _members.Members().Select(m => m.Recipient);

    /// <summary>Completes once the guild is subscribed and its sequencer knows the current seq.</summary>
    public Task Started => _started.Task;

    /// <summary>The subscription, kept so it can be ended when the guild goes idle.</summary>
    public object? Subscription { get; set; }

    /// <summary>Subscribes once; only the instance that wins a concurrent get-or-add ever calls this with effect.</summary>
    public Task EnsureStarted(Func<GuildFanout, Task> subscribe)
    {
        if (Interlocked.Exchange(ref _starting, 1) == 0) _ = StartAsync(subscribe);
        return _started.Task;
    }

    private async Task StartAsync(Func<GuildFanout, Task> subscribe)
    {
        try
        {
            await subscribe(this).ConfigureAwait(false);
            _started.TrySetResult();
        }
        catch (Exception ex)
        {
            _started.TrySetException(ex);
        }
    }

    /// <summary>Sets where the sequencer starts: messages at or below this seq, of this epoch, are not delivered live.</summary>
    public void StartAt(GuildState state)
    {
        Volatile.Write(ref _epoch, Encoding.UTF8.GetBytes(state.Epoch));
        Volatile.Write(ref _lastSeq, state.Seq);
    }

    /// <summary>
    /// True once per <paramref name="interval"/> (<see cref="GatewayOptions.GuildExpiryRenewInterval"/>): then the caller
    /// (a publish, or the sweep of guilds with members) renews the expiry of the guild's keys, so they expire
    /// <c>HistoryTtlSeconds</c> after the guild was last in use here, give or take the interval. Kept here, not in a map
    /// of guild names, so it goes when the guild goes idle.
    /// </summary>
    public bool TakeExpiryRefresh(TimeSpan interval)
    {
        long now = time.GetTimestamp();
        long last = Volatile.Read(ref _expiryRefreshedAt);
        if (last != 0 && time.GetElapsedTime(last, now) < interval) return false;
        return Interlocked.CompareExchange(ref _expiryRefreshedAt, now, last) == last;
    }

    public bool TryAdd(GuildMember member)
    {
        lock (_gate)
        {
            if (_closed) return false;
            _members.Add(member);
            return true;
        }
    }

    public void Remove(GuildMember member)
    {
        lock (_gate)
        {
            if (_members.Remove(member) && _members.Count == 0) _idleSince = time.GetTimestamp();
        }
    }

    /// <summary>Marks the guild closed if it has had no members for <paramref name="idleFor"/>; a closed guild takes no new members.</summary>
    public bool TryCloseIfIdle(TimeSpan idleFor)
    {
        lock (_gate)
        {
            if (_closed) return true;
            if (_members.Count > 0 || time.GetElapsedTime(_idleSince) < idleFor) return false;
            _closed = true;
            return true;
        }
    }

    /// <summary>Handles one message from the guild's channel.</summary>
    public Task ProcessAsync(in PublishedEnvelope message, long receivedTimestamp)
    {
        if (!_processing.Wait(0)) return ProcessSlowAsync(message, receivedTimestamp);
        bool release = true;
        try
        {
            if (!message.Epoch.Span.SequenceEqual(_epoch))
            {
                if (HasLeft(message.Epoch.Span))
                {
                    // Published before the loss and still on its way while a read of Redis (a refused send's, a
                    // reconnect's) moved the sequencer on: going back would close the members of the new epoch again.
                    Log.LeftEpochMessage(logger, Id, message.Seq);
                    return Task.CompletedTask;
                }
                Reset(Encoding.UTF8.GetString(message.Epoch.Span), message.Seq,
                    message.IsNotice ? "a refused send's notice of another epoch" : "a message of another epoch");
                return Task.CompletedTask;
            }
            if (message.IsNotice) return Task.CompletedTask; // the epoch this replica counts in: nothing to do
            if (message.Seq <= _lastSeq) return Task.CompletedTask; // already delivered (a fill got there first)
            if (message.Seq == _lastSeq + 1)
            {
                Deliver(message.Seq, message.Traceparent.Span, new OutboundFrame(message.Frame, receivedTimestamp));
                return Task.CompletedTask;
            }
            release = false;
            return FillThenDeliverAsync(message, receivedTimestamp);
        }
        finally
        {
            if (release) _processing.Release();
        }
    }

    /// <summary>
    /// A member's publish landed in <paramref name="epoch"/>. If that is not the epoch this replica counts in, Redis lost
    /// the guild's state and the message began (or continued) a new lifetime: every member is told now (4007). Waiting
    /// for the message to come back over the subscription could take seconds while a shard's subscription reconnects,
    /// and meanwhile the new epoch's messages would reach nobody and their senders would not know.
    /// </summary>
    /// <returns>Completes once the check is done (it never fails: trouble is logged, and a reconnect checks again).</returns>
    public Task ObservePublished(string epoch) => IsCurrentEpoch(epoch) ? Task.CompletedTask : ResetForPublishAsync(epoch);

    private async Task ResetForPublishAsync(string epoch)
    {
        await _processing.WaitAsync().ConfigureAwait(false);
        try
        {
            // The message itself, or another of the new epoch, may have arrived meanwhile and reset the guild already.
            if (IsCurrentEpoch(epoch)) return;
            var slice = await history.ReadHistoryAsync(Id, 0, 0).ConfigureAwait(false);
            // A late reply from an epoch Redis has left already says nothing new: the current one is handled where it is seen.
            if (!string.Equals(slice.Epoch, epoch, StringComparison.Ordinal) || IsCurrentEpoch(slice.Epoch)) return;
            Reset(slice.Epoch, slice.Latest, "a publish landed in another epoch");
        }
        catch (Exception ex)
        {
            // Redis went away again: the reconnect's catch-up checks the guild (and tells the members) then.
            Log.FanoutFailed(logger, Id, ex);
        }
        finally
        {
            _processing.Release();
        }
    }

    /// <summary>
    /// After a Redis reconnect: checks that the guild's state is the one this replica knows (same epoch, seq not
    /// behind, the last delivered message still stored under its seq), then delivers anything published meanwhile.
    /// </summary>
    public async Task CatchUpAsync()
    {
        await _processing.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_lastFrame.IsEmpty && _lastSeq > 0)
            {
                // A restart from an append-only file that missed its last second keeps the epoch but loses the newest
                // messages, and new ones take their seqs: the message stored under our last seq is then another one.
                var stored = await history.ReadHistoryAsync(Id, _lastSeq - 1, 1).ConfigureAwait(false);
                bool held = stored.FromSeq == _lastSeq && stored.Frames.Length == 1;
                if (held && !stored.Frames[0].Span.SequenceEqual(_lastFrame.Span))
                {
                    Reset(stored.Epoch, stored.Latest, "the message stored under the last delivered seq changed");
                    return;
                }
            }
            var slice = await history.ReadHistoryAsync(Id, _lastSeq, historyChunk).ConfigureAwait(false);
            if (!IsCurrentEpoch(slice.Epoch) || slice.Latest < _lastSeq)
            {
                Reset(slice.Epoch, slice.Latest, slice.Latest < _lastSeq ? "its seq went back" : "another epoch after a reconnect");
                return;
            }
            await FillAsync(slice.Latest, slice).ConfigureAwait(false);
        }
        finally
        {
            _processing.Release();
        }
    }

    private async Task ProcessSlowAsync(PublishedEnvelope message, long receivedTimestamp)
    {
        await _processing.WaitAsync().ConfigureAwait(false);
        _processing.Release();
        await ProcessAsync(message, receivedTimestamp).ConfigureAwait(false);
    }

    private async Task FillThenDeliverAsync(PublishedEnvelope message, long receivedTimestamp)
    {
        try
        {
            Log.FillingGap(logger, Id, message.Seq, _lastSeq);
            await FillAsync(message.Seq - 1, firstSlice: null).ConfigureAwait(false);
            if (message.Seq == _lastSeq + 1 && message.Epoch.Span.SequenceEqual(_epoch))
            {
                Deliver(message.Seq, message.Traceparent.Span, new OutboundFrame(message.Frame, receivedTimestamp));
            }
        }
        catch (Exception ex)
        {
            Log.FanoutFailed(logger, Id, ex);
        }
        finally
        {
            _processing.Release();
        }
    }

    // Delivers seqs (_lastSeq, upTo] from history; what history no longer holds is announced with a gap frame.
    private async Task FillAsync(long upTo, HistorySlice? firstSlice)
    {
        var slice = firstSlice;
        while (_lastSeq < upTo)
        {
            slice ??= await history.ReadHistoryAsync(Id, _lastSeq, (int)Math.Min(historyChunk, upTo - _lastSeq)).ConfigureAwait(false);
            if (!IsCurrentEpoch(slice.Value.Epoch))
            {
                Reset(slice.Value.Epoch, slice.Value.Latest, "history of another epoch");
                return;
            }
            if (slice.Value.FromSeq > _lastSeq + 1)
            {
                long gapTo = Math.Min(slice.Value.FromSeq - 1, upTo);
                Log.HistoryGap(logger, Id, _lastSeq + 1, gapTo);
                Deliver(gapTo, default, new OutboundFrame(ServerFrameWriter.Gap(Id, _lastSeq + 1, gapTo)), isMessage: false);
            }
            if (slice.Value.Frames.Length == 0) break;
            long seq = slice.Value.FromSeq;
            foreach (var stored in slice.Value.Frames)
            {
                if (seq > upTo) break;
                Deliver(seq, default, new OutboundFrame(stored, time.GetTimestamp()));
                seq++;
            }
            slice = null;
        }
    }

    // Epochs are ASCII digits (RedisBackplane.NewEpoch): compared without allocating, as on every send.
    private bool IsCurrentEpoch(string epoch) => Ascii.Equals(Volatile.Read(ref _epoch), epoch);

    private bool HasLeft(ReadOnlySpan<byte> epoch)
    {
        foreach (var left in _left)
        {
            if (left is not null && epoch.SequenceEqual(left)) return true;
        }
        return false;
    }

    // Redis lost the guild's state: every member is told (4007), and the sequencer continues in the new epoch.
    // Members that join later read the new state themselves. Called with _processing held.
    private void Reset(string epoch, long seq, string why)
    {
        var members = _members.Snapshot;
        Log.GuildReset(logger, Id, _lastSeq, seq, why, _members.Count);
        if (_epoch.Length > 0)
        {
            _left[_leftNext] = _epoch;
            _leftNext = (_leftNext + 1) % _left.Length;
        }
        Volatile.Write(ref _epoch, Encoding.UTF8.GetBytes(epoch));
        Volatile.Write(ref _lastSeq, seq);
        _lastFrame = default;
        foreach (var member in members) member?.Recipient.OnGuildStateLost(Id);
    }

    private void Deliver(long seq, ReadOnlySpan<byte> traceparent, in OutboundFrame frame, bool isMessage = true)
    {
        Volatile.Write(ref _lastSeq, seq);
        _lastFrame = isMessage ? frame.Bytes : default;
        var members = _members.Snapshot;
        using var activity = GatewayActivities.StartFanout(traceparent, Id, seq, _members.Count);
        foreach (var member in members)
        {
            member?.Offer(seq, frame);
        }
        if (frame.IsFromRedis) metrics.FanoutQueued(frame.ReceivedTimestamp);
    }
}
