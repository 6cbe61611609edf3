using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Tests.Unit;

/// <summary>
/// A guild's history as the Redis script keeps it: the latest seq, and a gap-free run of frames ending at it,
/// trimmed to the newest ones. Reads can be held at a gate or made to fail, to test the fan-out around them.
/// </summary>
internal sealed class InMemoryGuildHistory(string guild) : IGuildHistory
{
    private readonly Lock _gate = new();
    private readonly List<byte[]> _frames = [];
    private long _latest;
    private int _epochs = 1;
    private int _reads;
    private int _failuresLeft;
    private TaskCompletionSource? _readGate;

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Publishes the next seq and returns its frame, as the publish script would.</summary>
    public byte[] Publish()
    {
        lock (_gate)
        {
            _latest++;
            byte[] frame = MessageFrames.Bytes(guild, _latest);
            _frames.Add(frame);
            return frame;
        }
    }

    /// <summary>Publishes seqs up to <paramref name="seq"/>.</summary>
    public void PublishThrough(long seq)
    {
        while (Latest < seq) Publish();
    }

    public long Latest
    {
        get { lock (_gate) return _latest; }
    }

    /// <summary>The lifetime of the guild's state: a new one after each <see cref="Reset"/>.</summary>
    public string Epoch
    {
        get { lock (_gate) return $"epoch-{_epochs}"; }
    }

    /// <summary>Keeps only the newest <paramref name="length"/> frames, as LTRIM does.</summary>
    public void TrimTo(int length)
    {
        lock (_gate)
        {
            if (_frames.Count > length) _frames.RemoveRange(0, _frames.Count - length);
        }
    }

    /// <summary>
    /// Forgets everything, as a Redis restart without persistence does (the next publish then creates a new epoch),
    /// then publishes up to <paramref name="latest"/>.
    /// </summary>
    public void Reset(long latest)
    {
        lock (_gate)
        {
            _frames.Clear();
            _latest = 0;
            _epochs++;
        }
        PublishThrough(latest);
    }

    /// <summary>
    /// Drops the newest <paramref name="count"/> messages and publishes others under their seqs, keeping the epoch: an
    /// append-only file that lost its last second, after which new messages take the lost seqs.
    /// </summary>
    public void LoseNewest(int count)
    {
        lock (_gate)
        {
            _frames.RemoveRange(_frames.Count - count, count);
            _latest -= count;
            for (int i = 0; i < count; i++)
            {
                _latest++;
                _frames.Add(MessageFrameTemplate.Create(guild, "someone-else", $"other-{_latest}", "a different message", null, null).Splice(_latest));
            }
        }
    }

    /// <summary>Makes the next <paramref name="count"/> reads throw, as when Redis does not answer.</summary>
    public void FailNextReads(int count) => Volatile.Write(ref _failuresLeft, count);

    /// <summary>Holds every read until <see cref="ReleaseReads"/>.</summary>
    public void HoldReads()
    {
        lock (_gate) _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void ReleaseReads()
    {
        TaskCompletionSource? gate;
        lock (_gate)
        {
            gate = _readGate;
            _readGate = null;
        }
        gate?.SetResult();
    }

    public async Task<HistorySlice> ReadHistoryAsync(string guildId, long afterSeq, int max)
    {
        Assert.Equal(guild, guildId);
        Interlocked.Increment(ref _reads);
        Task? held;
        lock (_gate) held = _readGate?.Task;
        if (held is not null) await held;
        if (Interlocked.Decrement(ref _failuresLeft) >= 0) throw new BackplaneUnavailableException("history read failed (test)");
        Interlocked.Exchange(ref _failuresLeft, 0);

        lock (_gate)
        {
            long first = _latest - _frames.Count + 1;
            long from = Math.Max(afterSeq + 1, first);
            long stop = Math.Min(from + max - 1, _latest);
            var frames = new List<ReadOnlyMemory<byte>>();
            for (long seq = from; seq <= stop; seq++) frames.Add(_frames[(int)(seq - first)]);
            return new HistorySlice(_latest, first, from, $"epoch-{_epochs}", [.. frames]);
        }
    }
}
