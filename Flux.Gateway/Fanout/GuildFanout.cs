using System.Diagnostics;
using Flux.Gateway.Backplane;
using Flux.Gateway.Connections;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Logging;

namespace Flux.Gateway.Fanout;

/// <summary>
/// A guild's local fan-out on this replica: its members here, and the sequencer that hands them the guild's
/// messages exactly once and in seq order. Redis publishes in seq order, but a subscription can miss messages
/// (reconnects, or the moment a subscription starts), so a message whose seq skips ahead first pulls the
/// missing ones from history. Messages are processed one at a time per guild.
/// </summary>
internal sealed class GuildFanout(string id, IGuildHistory history, int historyChunk, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _processing = new(1, 1);
    private GuildMember[] _members = [];
    private long _lastSeq;
    private long _idleSince = Stopwatch.GetTimestamp();
    private bool _closed;
    private int _starting;

    public string Id { get; } = id;

    /// <summary>The last seq handed to local members.</summary>
    public long LastSeq => Volatile.Read(ref _lastSeq);

    public int MemberCount => Volatile.Read(ref _members).Length;

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the guild is subscribed and its sequencer knows the current seq.</summary>
    public Task Started => _started.Task;

    /// <summary>True once <see cref="EnsureStarted"/> has run.</summary>
    public bool IsStarted => Volatile.Read(ref _starting) != 0;

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

    /// <summary>Sets where the sequencer starts: messages at or below this seq are not delivered live.</summary>
    public void StartAt(long seq) => Volatile.Write(ref _lastSeq, seq);

    public bool TryAdd(GuildMember member)
    {
        lock (_gate)
        {
            if (_closed) return false;
            _members = [.. _members, member];
            return true;
        }
    }

    public void Remove(GuildMember member)
    {
        lock (_gate)
        {
            int index = Array.IndexOf(_members, member);
            if (index < 0) return;
            var next = new GuildMember[_members.Length - 1];
            Array.Copy(_members, 0, next, 0, index);
            Array.Copy(_members, index + 1, next, index, _members.Length - index - 1);
            _members = next;
            if (next.Length == 0) _idleSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Marks the guild closed if it has had no members for <paramref name="idleFor"/>; a closed guild takes no new members.</summary>
    public bool TryCloseIfIdle(TimeSpan idleFor)
    {
        lock (_gate)
        {
            if (_closed) return true;
            if (_members.Length > 0 || Stopwatch.GetElapsedTime(_idleSince) < idleFor) return false;
            _closed = true;
            return true;
        }
    }

    /// <summary>Handles one message from the guild's channel.</summary>
    public Task ProcessAsync(long seq, ReadOnlyMemory<byte> traceparent, ReadOnlyMemory<byte> frame, long receivedTimestamp)
    {
        if (!_processing.Wait(0)) return ProcessSlowAsync(seq, traceparent, frame, receivedTimestamp);
        bool release = true;
        try
        {
            if (seq <= _lastSeq) return Task.CompletedTask; // already delivered (a fill got there first)
            if (seq == _lastSeq + 1)
            {
                Deliver(seq, traceparent.Span, new OutboundFrame(frame, receivedTimestamp));
                return Task.CompletedTask;
            }
            release = false;
            return FillThenDeliverAsync(seq, traceparent, frame, receivedTimestamp);
        }
        finally
        {
            if (release) _processing.Release();
        }
    }

    /// <summary>After a Redis reconnect: delivers anything published while this replica was not listening.</summary>
    public async Task CatchUpAsync()
    {
        await _processing.WaitAsync().ConfigureAwait(false);
        try
        {
            var slice = await history.ReadHistoryAsync(Id, _lastSeq, historyChunk).ConfigureAwait(false);
            if (slice.Latest < _lastSeq)
            {
                var members = Volatile.Read(ref _members);
                Log.GuildReset(logger, Id, _lastSeq, slice.Latest, members.Length);
                Volatile.Write(ref _lastSeq, slice.Latest);
                foreach (var member in members) member.Recipient.OnGuildStateLost(Id);
                return;
            }
            await FillAsync(slice.Latest, slice).ConfigureAwait(false);
        }
        finally
        {
            _processing.Release();
        }
    }

    private async Task ProcessSlowAsync(long seq, ReadOnlyMemory<byte> traceparent, ReadOnlyMemory<byte> frame, long receivedTimestamp)
    {
        await _processing.WaitAsync().ConfigureAwait(false);
        _processing.Release();
        await ProcessAsync(seq, traceparent, frame, receivedTimestamp).ConfigureAwait(false);
    }

    private async Task FillThenDeliverAsync(long seq, ReadOnlyMemory<byte> traceparent, ReadOnlyMemory<byte> frame, long receivedTimestamp)
    {
        try
        {
            Log.FillingGap(logger, Id, seq, _lastSeq);
            await FillAsync(seq - 1, firstSlice: null).ConfigureAwait(false);
            if (seq == _lastSeq + 1)
            {
                Deliver(seq, traceparent.Span, new OutboundFrame(frame, receivedTimestamp));
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
            if (slice.Value.FromSeq > _lastSeq + 1)
            {
                long gapTo = Math.Min(slice.Value.FromSeq - 1, upTo);
                Log.HistoryGap(logger, Id, _lastSeq + 1, gapTo);
                Deliver(gapTo, default, new OutboundFrame(ServerFrameWriter.Gap(Id, _lastSeq + 1, gapTo)));
            }
            if (slice.Value.Frames.Length == 0) break;
            long seq = slice.Value.FromSeq;
            foreach (var stored in slice.Value.Frames)
            {
                if (seq > upTo) break;
                Deliver(seq, default, new OutboundFrame(stored, Stopwatch.GetTimestamp()));
                seq++;
            }
            slice = null;
        }
    }

    private void Deliver(long seq, ReadOnlySpan<byte> traceparent, in OutboundFrame frame)
    {
        Volatile.Write(ref _lastSeq, seq);
        var members = Volatile.Read(ref _members);
        using var activity = GatewayActivities.StartFanout(traceparent, Id, seq, members.Length);
        foreach (var member in members)
        {
            member.Offer(seq, frame);
        }
    }
}
