using Flux.Protocol.Storms.Faults;
using Flux.Protocol.Wire;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Users;

/// <summary>
/// What one user received: the only place the swarm counts deliveries, duplicates, reorders and latency. It tracks the
/// user's view of its guild (the seqs of each epoch against Flux, the ordinals of the ledger against a peer) and records
/// each delivery's latency into the run's histograms. The run's totals, the live snapshots, the report and the metrics
/// all read these counts; nothing counts a delivery a second time. Used from the user's receive loop only; the counts
/// may be read from any thread.
/// </summary>
internal sealed class UserReceipts(StormContext storm, SimulatedUser user)
{
    private const string PeerEpoch = "peer";

    private SeqTracker? _tracker;
    private EpochMax? _epochMax;
    private string? _epoch;
    private readonly List<PastEpoch> _pastEpochs = [];
    private long _delivered;
    private long _arrivals;
    private long _duplicates;
    private long _reordered;
    private long _corrupted;
    // Against a peer: ordinals sent before the join was confirmed.
    private HashSet<long>? _beforeJoin;
    // Each sender's last message this user received, on which of its connections: its next must come later.
    private Dictionary<int, SenderMark>? _lastBySender;
    // Against Flux: which of each sending shard's messages to the guild (by ordinal) this user has received.
    private SeqTracker?[]? _seen;

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

    /// <summary>Every message of the user's guild that reached it, whatever it turned out to be: what the drain watches.</summary>
    public long Arrivals => Volatile.Read(ref _arrivals);

    public long Duplicates => Volatile.Read(ref _duplicates);

    public long Reordered => Volatile.Read(ref _reordered);

    /// <summary>Deliveries whose from, body or ts was not what was sent.</summary>
    public long Corrupted => Volatile.Read(ref _corrupted);

    /// <summary>The user caught up: it has every seq its guild's epoch reached (against a peer: nothing below the top is missing).</summary>
    public bool CaughtUp(bool peer) =>
        _tracker is null || (peer ? _tracker.MissingUpTo(_epochMax!.Value) == 0 : _tracker.Highest >= _epochMax!.Value);

    /// <summary>
    /// <c>ready</c> from a Flux gateway: the user's guild stands at <paramref name="seq"/> in <paramref name="epoch"/>.
    /// The first ready, or a new epoch (Redis lost the guild's state and seqs started again), starts a new view; the old
    /// epoch's is kept, to count what the user missed there (announced by the 4007) at the end. The same epoch again is a
    /// new session after the old one was lost (4007): what was missed in between is lost for this user, but it was told.
    /// </summary>
    public void Joined(string? epoch, long seq, int fault)
    {
        if (_tracker is null || epoch != _epoch)
        {
            if (_tracker is not null) _pastEpochs.Add(new PastEpoch(_tracker, _epochMax!, fault));
            _tracker = new SeqTracker(seq);
            _epoch = epoch;
            _epochMax = storm.Epochs.For(user.GuildIndex, epoch ?? "");
            _epochMax.Observe(seq);
            return;
        }
        storm.Effects.Add(fault, Effect.AnnouncedLoss, _tracker.Rebase(seq));
    }

    /// <summary>A gap frame for the user's guild: seqs <paramref name="from"/>..<paramref name="to"/> will never come, and the user was told.</summary>
    public void Gap(long from, long to, int fault)
    {
        if (_tracker is null) return;
        storm.Effects.Add(fault, Effect.Gaps);
        storm.Effects.Add(fault, Effect.AnnouncedLoss, _tracker.Announce(from, to));
    }

    /// <summary>
    /// A message of the user's guild from a Flux gateway. Its seq is checked against the guild's (in order, once); its
    /// nonce against what the user already received (a message delivered twice under two seqs is a duplicate, however
    /// gap-free the seqs) and against its sender's earlier messages (one connection's sends get increasing seqs); its
    /// <c>from</c>, <c>body</c> and <c>ts</c> against its seal (<see cref="MessageSeal"/>). Its latency runs from the send
    /// time in the sender's ledger, or, for another shard's message, from the sealed <c>ts</c>: never from a field the
    /// gateway could have changed unnoticed. Returns false when the user has not joined yet, so the message is not its
    /// guild's to count.
    /// </summary>
    public bool Message(in MessageView message)
    {
        if (_tracker is null) return false;
        Volatile.Write(ref _arrivals, _arrivals + 1);
        long now = storm.Clock.NowMicroseconds;
        long seq = message.Seq;
        var arrival = _tracker.Record(seq);
        if (arrival == SeqArrival.Duplicate)
        {
            CountDuplicate();
            return true;
        }
        if (arrival == SeqArrival.Late) CountReordered();
        _epochMax!.Observe(seq);
        if (storm.Visitors.IsVisitor(message.From))
        {
            // A person's message, sent from the page: it takes its seq (so the guild's seqs stay gap-free), and counts as
            // foreign, nowhere else: not delivered, not a latency, not the swarm's to lose or order.
            Interlocked.Increment(ref storm.Counters.VisitorDeliveries);
            return true;
        }
        if (!MessageSeal.TryParseNonce(message.Nonce, out var nonce))
        {
            // Nobody sent this: not the swarm (its nonces are sealed) and not a visitor. A gateway made it up or mangled
            // one of ours past recognition.
            CountCorrupted();
            return true;
        }
        if (SeenBefore(nonce))
        {
            CountDuplicate();
            return true;
        }
        Delivered1();
        if (arrival == SeqArrival.InOrder) CheckSenderOrder(nonce.Sender, nonce.Connection, nonce.Ordinal);
        long? intended;
        bool local = storm.Ledger.Contains(nonce.Id);
        if (local)
        {
            intended = storm.Ledger.ById(nonce.Id).IntendedMicroseconds;
            storm.Ledger.MarkDelivered(nonce.Id, seq);
        }
        else
        {
            // Another shard's send (a distributed storm): its sealed ts is checked below; the shards pool what they
            // received at the end.
            intended = MessageSeal.EchoedTime(message.Ts);
            storm.Receipts.Record(nonce.Id, user.GuildIndex, seq, intended ?? 0);
        }
        if (intended is not { } at || !storm.Seal.Matches(nonce, at, message.Ts, message.From, message.Body))
        {
            CountCorrupted();
            // Another shard's time that fails its seal is not the swarm's: no latency is taken from it.
            if (!local) return true;
            at = intended!.Value;
        }
        RecordLatency(now, at, message.Trace, seq);
        return true;
    }

    /// <summary>
    /// A peer joined the user to its guild. At the first join it expects every ordinal after the guild's last registered
    /// one: those were written after the server joined it. A peer has no resume: a user that reconnects keeps its view,
    /// so what it missed while away stays missing, and is lost.
    /// </summary>
    public void PeerJoined()
    {
        if (_tracker is not null) return;
        _tracker = new SeqTracker(storm.Ledger.LastOrdinal(user.GuildIndex));
        _epoch = PeerEpoch;
        _epochMax = storm.Epochs.For(user.GuildIndex, PeerEpoch);
    }

    /// <summary>
    /// A message of the user's guild from a peer, by its nonce. A message in flight at the join may still arrive: it
    /// counts as delivered, never as expected or duplicate. Order is checked per sender, the only order a peer promises.
    /// Returns false when it is not one of this run's messages.
    /// </summary>
    public bool PeerMessage(long messageId)
    {
        if (_tracker is null || messageId < 0 || !storm.Ledger.Contains(messageId)) return false;
        ref readonly var sent = ref storm.Ledger.ById(messageId);
        long now = storm.Clock.NowMicroseconds;
        long ordinal = sent.Ordinal;
        if (ordinal <= _tracker.Base)
        {
            // Sent before the join was confirmed: welcome, not owed. A second copy is still a duplicate.
            if (!(_beforeJoin ??= []).Add(ordinal))
            {
                CountDuplicate();
                return true;
            }
        }
        else if (_tracker.Record(ordinal) == SeqArrival.Duplicate)
        {
            CountDuplicate();
            return true;
        }
        CheckSenderOrder(sent.Sender, connection: 0, ordinal);
        Delivered1();
        _epochMax!.Observe(ordinal);
        storm.Ledger.MarkDelivered(messageId, ordinal);
        // From the intended time the ledger holds, not the ts the server echoed: what the peer sends back cannot skew it.
        RecordLatency(now, sent.IntendedMicroseconds, trace: default, ordinal);
        return true;
    }

    private void Delivered1() => Volatile.Write(ref _delivered, _delivered + 1);

    // Whether this user already received the message (by its nonce), whatever seq it came with then.
    private bool SeenBefore(in SealedNonce nonce)
    {
        int shard = storm.Ledger.ShardOf(nonce.Id);
        _seen ??= new SeqTracker?[storm.Shard.Count];
        var seen = _seen[shard] ??= new SeqTracker(0);
        return seen.Record(nonce.Ordinal) == SeqArrival.Duplicate;
    }

    // A sender's messages must reach every member in the order it sent them: Flux gives one connection's sends increasing
    // seqs in the order they were sent, a peer keeps order per sender. Across a sender's connections nothing is promised.
    private void CheckSenderOrder(int sender, int connection, long ordinal)
    {
        _lastBySender ??= [];
        ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_lastBySender, sender, out bool known);
        if (known && last.Connection == connection && ordinal < last.Ordinal)
        {
            CountReordered();
            storm.SenderOrderBreaks.AddOrUpdate(sender, 1, static (_, n) => n + 1);
            return;
        }
        last = new SenderMark(connection, ordinal);
    }

    private void CountCorrupted()
    {
        Volatile.Write(ref _corrupted, _corrupted + 1);
        storm.Effects.Add(user.FaultNow, Effect.Corrupted);
    }

    private readonly record struct SenderMark(int Connection, long Ordinal);

    // From the intended send time, not the actual one: a stalled sender cannot hide latency.
    private void RecordLatency(long now, long intendedUs, ReadOnlySpan<byte> trace, long seq)
    {
        long latency = now - intendedUs;
        var cohort = user.Cohort;
        storm.Latency[(int)cohort].Record(latency);
        if (cohort == Cohort.Healthy) RecordHealthy(latency, intendedUs);
        if (!trace.IsEmpty)
        {
            SwarmActivities.RecordReceive(trace, user.Id, seq, latency / 1000.0);
            if (cohort == Cohort.Healthy) storm.WorstSampled.Record(latency, trace);
        }
    }

    // By tier, and into what the SLA is judged on (see StormContext.Judged).
    private void RecordHealthy(long latency, long intendedUs)
    {
        var tier = user.Tier;
        storm.TierLatency[(int)tier].Record(latency);
        var healthy = storm.Latency[(int)Cohort.Healthy];
        if (ReferenceEquals(storm.Judged, healthy)) return;
        bool surge = storm.Faults.InSurge(intendedUs / 1e6);
        if (surge) storm.TierSurgeLatency[(int)tier].Record(latency);
        if (!surge || tier == Protocol.Auth.Tier.High) storm.Judged.Record(latency);
    }

    private void CountDuplicate()
    {
        Volatile.Write(ref _duplicates, _duplicates + 1);
        storm.Effects.Add(user.FaultNow, Effect.Duplicates);
    }

    private void CountReordered()
    {
        Volatile.Write(ref _reordered, _reordered + 1);
        storm.Effects.Add(user.FaultNow, Effect.Reordered);
    }
}

/// <summary>An epoch of its guild a user left because Redis lost the guild's state; <paramref name="Fault"/> explains it.</summary>
internal sealed record PastEpoch(SeqTracker Tracker, EpochMax Max, int Fault);
