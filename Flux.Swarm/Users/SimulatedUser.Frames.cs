using System.Buffers.Text;
using System.Text.Json;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Flux.Swarm.Measurement;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Users;

internal sealed partial class SimulatedUser
{
    private readonly byte[] _guildUtf8;
    private SeqTracker? _tracker;
    private EpochMax? _epochMax;
    private string? _epoch;
    private readonly List<PastEpoch> _pastEpochs = [];
    private long _delivered;
    private long _duplicates;
    private long _reordered;

    /// <summary>This user's view of its guild's seqs in the current epoch; null until its first ready.</summary>
    public SeqTracker? Tracker => _tracker;

    /// <summary>The highest seq anyone saw in this user's guild, in the epoch the user is in now; null until its first ready.</summary>
    public EpochMax? EpochMax => _epochMax;

    /// <summary>
    /// The epochs of its guild the user was in before Redis lost the guild's state: what it missed in each was announced
    /// (it was closed with 4007), and is counted once the run is over, when every epoch's last seq is known.
    /// </summary>
    public IReadOnlyList<PastEpoch> PastEpochs => _pastEpochs;

    public long Delivered => Volatile.Read(ref _delivered);

    public long Duplicates => Volatile.Read(ref _duplicates);

    public long Reordered => Volatile.Read(ref _reordered);

    // Whatever goes wrong now is this fault's (or nobody's, -1).
    private int FaultNow => _storm.FaultFor(PickedBy, _storm.Clock.NowSeconds);

    // Returns true when this frame made the connection ready (ready or resumed).
    private bool HandleFrame(ReadOnlySpan<byte> frame)
    {
        if (_dialect is { } dialect) return HandlePeerFrame(dialect, frame);
        ServerOp op;
        MessageView message;
        try
        {
            op = ServerFrameReader.Peek(frame, out message);
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _storm.Counters.ForeignMessages);
            return false;
        }
        switch (op)
        {
            case ServerOp.Message:
                OnMessage(message);
                return false;
            case ServerOp.HeartbeatAck:
                return false;
            default:
                return OnControl(ServerFrameReader.Read(frame));
        }
    }

    private void OnMessage(in MessageView message)
    {
        if (_tracker is null || !message.Guild.SequenceEqual(_guildUtf8))
        {
            Interlocked.Increment(ref _storm.Counters.ForeignMessages);
            return;
        }
        long now = _storm.Clock.NowMicroseconds;
        var arrival = _tracker.Record(message.Seq);
        if (arrival == SeqArrival.Duplicate)
        {
            CountDuplicate();
            return;
        }
        if (arrival == SeqArrival.Late) CountReordered();
        _delivered++;
        _epochMax!.Observe(message.Seq);
        bool timed = Utf8Parser.TryParse(message.Ts, out long intendedUs, out _);
        if (Utf8Parser.TryParse(message.Nonce, out long messageId, out _) && !_storm.Ledger.MarkDelivered(messageId, message.Seq))
        {
            // Another shard's send (a distributed storm): kept for the end, when the shards pool what they received.
            _storm.Receipts.Record(messageId, GuildIndex, message.Seq, timed ? intendedUs : 0);
        }
        if (timed) RecordLatency(now, intendedUs, message.Trace, message.Seq);
    }

    // From the intended send time, not the actual one: a stalled sender cannot hide latency.
    private void RecordLatency(long now, long intendedUs, ReadOnlySpan<byte> trace, long seq)
    {
        long latency = now - intendedUs;
        _storm.Latency[(int)Cohort].Record(latency);
        if (Cohort == Cohort.Healthy) RecordHealthy(latency, intendedUs);
        _storm.Metrics.Delivered(Cohort, latency);
        if (!trace.IsEmpty)
        {
            SwarmActivities.RecordReceive(trace, Id, seq, latency / 1000.0);
            if (Cohort == Cohort.Healthy) _storm.WorstSampled.Record(latency, trace);
        }
    }

    private void CountDuplicate()
    {
        _duplicates++;
        _storm.Effects.Add(FaultNow, Effect.Duplicates);
        _storm.Metrics.Duplicate();
    }

    private void CountReordered()
    {
        _reordered++;
        _storm.Effects.Add(FaultNow, Effect.Reordered);
    }

    // The server refused a send (an error frame): its message will not come, and the refusal is judged by its code.
    private void CountRejected(string? nonce, string code)
    {
        if (long.TryParse(nonce, out long messageId)) _storm.Ledger.MarkNotSent(messageId);
        Interlocked.Increment(ref _storm.Counters.Rejected);
        _storm.Effects.Add(FaultNow, Effect.RejectedSends);
        _storm.Effects.Closed(FaultNow, CloseKinds.Rejected(code));
    }

    // By tier, and into what the SLA is judged on (see StormContext.Judged).
    private void RecordHealthy(long latency, long intendedUs)
    {
        var tier = Tier;
        _storm.TierLatency[(int)tier].Record(latency);
        var healthy = _storm.Latency[(int)Cohort.Healthy];
        if (ReferenceEquals(_storm.Judged, healthy)) return;
        bool surge = _storm.Faults.InSurge(intendedUs / 1e6);
        if (surge) _storm.TierSurgeLatency[(int)tier].Record(latency);
        if (!surge || tier == Tier.High) _storm.Judged.Record(latency);
    }

    private bool OnControl(ServerFrame frame)
    {
        switch (frame.Op)
        {
            case ServerOp.Hello:
                _heartbeatMs = frame.HeartbeatMs;
                byte[] answer = _session is null
                    ? ClientFrameWriter.Identify(Token)
                    : ClientFrameWriter.Resume(Token, _session, [new(Guild, _tracker?.Highest ?? 0)]);
                _ = SendFrameAsync(answer, messageId: -1);
                return false;
            case ServerOp.Ready:
                _session = frame.Session;
                var position = frame.Guilds.FirstOrDefault(g => g.Guild == Guild);
                long seq = position.Seq;
                if (_tracker is null || position.Epoch != _epoch)
                {
                    // The first ready, or a new epoch: Redis lost the guild's state and seqs started again. The old
                    // epoch's tracker is kept, to count what the user missed there (announced by the 4007) at the end.
                    if (_tracker is not null) _pastEpochs.Add(new PastEpoch(_tracker, _epochMax!, FaultNow));
                    _tracker = new SeqTracker(seq);
                    _epoch = position.Epoch;
                    _epochMax = _storm.Epochs.For(GuildIndex, position.Epoch);
                    _epochMax.Observe(seq);
                }
                else
                {
                    // A new session after the old one was lost (4007): what was missed in between is lost for this
                    // user, but it was told, by the close.
                    long missed = _tracker.Rebase(seq);
                    _storm.Effects.Add(FaultNow, Effect.AnnouncedLoss, missed);
                }
                BecomeReady();
                return true;
            case ServerOp.Resumed:
                Interlocked.Increment(ref _storm.Counters.Resumes);
                BecomeReady();
                return true;
            case ServerOp.Gap:
                Interlocked.Increment(ref _storm.Counters.GapsReported);
                if (frame.Guild == Guild && _tracker is not null)
                {
                    int fault = FaultNow;
                    _storm.Effects.Add(fault, Effect.Gaps);
                    _storm.Effects.Add(fault, Effect.AnnouncedLoss, _tracker.Announce(frame.GapFrom, frame.GapTo));
                }
                return false;
            case ServerOp.Error:
                CountRejected(frame.Nonce, frame.Code ?? "none");
                return false;
            default:
                Interlocked.Increment(ref _storm.Counters.ForeignMessages);
                return false;
        }
    }

    private void BecomeReady()
    {
        _ready = true;
        Interlocked.Increment(ref _storm.Counters.Connected);
        ScheduleHeartbeat();
    }

    // Records how a connection ended, against the fault that explains it (the verdict judges it there).
    private void Classify(Outcome outcome)
    {
        var counters = _storm.Counters;
        string reason = outcome.CloseCode is { } code ? $"{code} {CloseCodes.Name(code)}" : outcome.Error ?? "closed";
        if (_disconnectPlanned)
        {
            // The swarm cut it (a partition): planned, and the partition's.
            Interlocked.Increment(ref counters.InjectedDisconnects);
            _storm.Effects.Closed(FaultNow, CloseKinds.Cut);
        }
        else if (!outcome.WasReady && outcome.CloseCode is null)
        {
            // Could not connect at all: counted as a failed connect, not a disconnect.
            _storm.Effects.Add(FaultNow, Effect.ConnectFailures);
        }
        else
        {
            int fault = outcome.CloseCode == CloseCodes.RateLimited && _storm.Plan.AllowLimitBreach ? _storm.LimitBreachFault : FaultNow;
            // Dropped without a close frame (a gateway died), or closed by the gateway, which discards what it reads
            // after its close frame: a send written just before may never have been published.
            lock (_cuts) _cuts.Add(new ConnectionEnd(_storm.Clock.NowMicroseconds, fault, outcome.CloseCode));
            _storm.Effects.Closed(fault, outcome.CloseCode is { } closeCode ? CloseKinds.Of(closeCode) : CloseKinds.Dropped);
            if (outcome.CloseCode == CloseCodes.Shed)
            {
                Interlocked.Increment(ref counters.ShedDisconnects);
                Interlocked.Increment(ref counters.ShedByTier[(int)Tier]);
                // Its deliveries from now on (the replay of what it missed, too) are the overload's, not the healthy ones.
                if (Cohort == Cohort.Healthy) Cohort = Cohort.Shed;
            }
            if (fault >= 0) Interlocked.Increment(ref counters.InjectedDisconnects);
            else Interlocked.Increment(ref counters.UnexpectedDisconnects);
        }
        if (outcome.CloseCode == CloseCodes.InvalidSession)
        {
            _session = null;
            Interlocked.Increment(ref counters.SessionsLost);
        }
        Log.UserDisconnected(_storm.Logger, Id, reason);
    }
}

/// <summary>An epoch of its guild a user left because Redis lost the guild's state; <paramref name="Fault"/> explains it.</summary>
internal sealed record PastEpoch(SeqTracker Tracker, EpochMax Max, int Fault);
