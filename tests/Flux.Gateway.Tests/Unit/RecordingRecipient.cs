using Flux.Gateway.Connections;
using Flux.Gateway.Fanout;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Tests.Unit;

/// <summary>A guild recipient that keeps what it is given, in order, and answers deliveries with <see cref="NextResult"/>.</summary>
internal sealed class RecordingRecipient : IGuildRecipient
{
    private readonly Lock _gate = new();
    private readonly List<OutboundFrame> _delivered = [];
    private readonly List<string> _lostGuilds = [];
    private int _overflows;

    public EnqueueResult NextResult { get; set; } = EnqueueResult.Enqueued;

    public int Overflows => Volatile.Read(ref _overflows);

    public IReadOnlyList<string> LostGuilds
    {
        get { lock (_gate) return [.. _lostGuilds]; }
    }

    /// <summary>Every delivered frame, decoded.</summary>
    public IReadOnlyList<ServerFrame> Frames
    {
        get { lock (_gate) return [.. _delivered.Select(f => ServerFrameReader.Read(f.Bytes.Span))]; }
    }

    /// <summary>The seqs of the delivered <c>msg</c> frames, in delivery order.</summary>
    public IReadOnlyList<long> MessageSeqs => [.. Frames.Where(f => f.Op == ServerOp.Message).Select(f => f.Seq)];

    public int DeliveredCount
    {
        get { lock (_gate) return _delivered.Count; }
    }

    public EnqueueResult Deliver(in OutboundFrame frame)
    {
        lock (_gate) _delivered.Add(frame);
        return NextResult;
    }

    public void OnOverflow() => Interlocked.Increment(ref _overflows);

    public void OnGuildStateLost(string guild)
    {
        lock (_gate) _lostGuilds.Add(guild);
    }
}
