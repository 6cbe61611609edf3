using Flux.Swarm.Measurement;
using Flux.Swarm.Targets;

namespace Flux.Swarm.Users;

/// <summary>
/// Against a peer (SignalR, Socket.IO) the user keeps Flux's measurement with ordinals for seqs: each message's place in
/// its guild in the order the scheduler registered it (<see cref="DeliveryLedger"/>). At ready the user expects every
/// ordinal after the guild's last registered one; those were written after the server joined it. A message in flight
/// at the join may still arrive: it counts as delivered, never as expected or duplicate. Order is checked per sender,
/// the only order a peer promises. A peer has no resume: a user that reconnects keeps its tracker, so what it missed
/// while away stays missing, and is lost.
/// </summary>
internal sealed partial class SimulatedUser : IPeerSession
{
    private const string PeerEpoch = "peer";
    private readonly PeerDialect? _dialect;
    private bool _peerReadyNow;
    private HashSet<long>? _beforeJoin;
    private Dictionary<int, long>? _lastBySender;

    string IPeerSession.Token => Token;

    string IPeerSession.Guild => Guild;

    // Returns true when this message made the connection ready.
    private bool HandlePeerFrame(PeerDialect dialect, ReadOnlySpan<byte> frame)
    {
        _peerReadyNow = false;
        dialect.Read(frame, this);
        return _peerReadyNow;
    }

    void IPeerSession.Ready()
    {
        if (_tracker is null)
        {
            _tracker = new SeqTracker(_storm.Ledger.LastOrdinal(GuildIndex));
            _epoch = PeerEpoch;
            _epochMax = _storm.Epochs.For(GuildIndex, PeerEpoch);
        }
        _peerReadyNow = true;
        BecomeReady();
    }

    void IPeerSession.Message(in PeerMessage message)
    {
        if (_tracker is null || !message.Guild.SequenceEqual(_guildUtf8) || message.Nonce < 0 || !_storm.Ledger.Contains(message.Nonce))
        {
            Interlocked.Increment(ref _storm.Counters.ForeignMessages);
            return;
        }
        ref readonly var sent = ref _storm.Ledger.ById(message.Nonce);
        long now = _storm.Clock.NowMicroseconds;
        long ordinal = sent.Ordinal;
        if (ordinal <= _tracker.Base)
        {
            // Sent before the join was confirmed: welcome, not owed. A second copy is still a duplicate.
            if (!(_beforeJoin ??= []).Add(ordinal))
            {
                CountDuplicate();
                return;
            }
        }
        else if (_tracker.Record(ordinal) == SeqArrival.Duplicate)
        {
            CountDuplicate();
            return;
        }
        _lastBySender ??= [];
        if (_lastBySender.TryGetValue(sent.Sender, out long last) && ordinal < last) CountReordered();
        else _lastBySender[sent.Sender] = ordinal;
        _delivered++;
        _epochMax!.Observe(ordinal);
        _storm.Ledger.MarkDelivered(message.Nonce, ordinal);
        // From the intended time the ledger holds, not the ts the server echoed: what the peer sends back cannot skew it.
        RecordLatency(now, sent.IntendedMicroseconds, trace: default, ordinal);
    }

    void IPeerSession.Reply(byte[] frame) => _ = SendFrameAsync(frame, messageId: -1);

    // The reason is "code: message"; the code is what the verdict judges.
    void IPeerSession.Refused(string? nonce, string reason) => CountRejected(nonce, reason.Split(':')[0]);

    void IPeerSession.Foreign() => Interlocked.Increment(ref _storm.Counters.ForeignMessages);
}
