using Flux.Protocol.Agents;
using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;
using Flux.Protocol.Wire;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Users;

namespace Flux.Swarm.Storms;

/// <summary>
/// The final count, once the run has drained. Every user expected every seq of its guild after the seq it joined at;
/// whatever did not arrive, and was not announced (a 4007, a gap), is lost, and is tied to the fault that explains it.
/// A message no one ever received was lost by the system, unless its sender's connection was cut or dropped just
/// after it was written: then it may never have reached a gateway, and it is counted as unconfirmed instead.
/// The verdict then judges every effect against its fault's allowance.
/// <para>
/// The count is in two steps. <see cref="Tally"/> counts one shard's users and sends; <see cref="StormReportBuilder"/>
/// adds up every shard's tally (exact histograms, effects, counters) and judges the sum. A storm on one process is one
/// shard, so both kinds of run take the same path and give the same report.
/// </para>
/// <para>
/// A peer target (SignalR, Socket.IO) has no seqs: its users track their guild's ordinals (see
/// <see cref="DeliveryLedger"/>), and the same count applies to them, by nonce.
/// </para>
/// </summary>
internal static class StormAccounting
{
    /// <summary>A send this close before its sender's connection was cut or dropped may have died in the socket.</summary>
    // 1 s for the socket and the close, plus the gateway's publish deadline (Gateway:PublishTimeoutMs, 1.5 s): a send it
    // read and was still publishing is refused with 'unavailable' at the deadline, and a connection that ended meanwhile
    // never hears it.
    private const long CutWindowMicroseconds = 2_500_000;

    /// <summary>
    /// A send nobody received, whose sender's next connection end after it was a close for Redis trouble that a fault
    /// explains (4007: Redis lost the guild's state; 1011: a Redis call failed) this soon after it, is unconfirmed: the
    /// sender never saw its echo, and the gateway closed it while the publish may still have been waiting in its Redis
    /// client (up to its command timeout, 5 s; then it runs, or fails unheard). During a shard's restart such a publish
    /// lands in the new epoch just as the members are closed with 4007.
    /// </summary>
    private const long GatewayCloseWindowMicroseconds = 10_000_000;

    /// <summary>
    /// A shed close (1013) a fault explains leaves a send nobody received this soon before it unconfirmed. Shedding
    /// happens when a gateway is behind, and the gateway discards what it has not read when it closes: at a surge's peak
    /// it was 1 to 2 s behind in its reading. Other closes (drained, a slow consumer closed, a swarm cut, a dropped
    /// connection) keep the 1 s window. A close no fault explains fails the run whatever this says.
    /// </summary>
    private const long ShedCloseWindowMicroseconds = 5_000_000;

    /// <summary>
    /// This shard's count, once its users are closed. In a distributed storm the ledger and the receipt book already
    /// hold every shard's receipts, and each guild epoch's top is the maximum over every shard.
    /// </summary>
    /// <param name="notInjected">Faults this shard could not carry out (the verdict counts them).</param>
    /// <param name="notes">What the report should note of this shard, e.g. how its drain ended.</param>
    public static ShardTally Tally(StormContext storm, IReadOnlyList<SimulatedUser> users, IEnumerable<string> notInjected, IEnumerable<string> notes)
    {
        var plan = storm.Plan;
        var effects = storm.Effects;
        var intendedBySeq = IntendedTimes(storm);
        bool peer = plan.Target != TargetKind.Flux;

        long expected = 0, delivered = 0, duplicates = 0, reordered = 0;
        var lostRuns = new LostRuns();
        foreach (var user in users)
        {
            var receipts = user.Receipts;
            delivered += receipts.Delivered;
            duplicates += receipts.Duplicates;
            reordered += receipts.Reordered;
            // Epochs Redis lost while the user was in them: what it missed there it was told of, by 4007.
            foreach (var past in receipts.PastEpochs)
            {
                long pastTop = past.Max.Value;
                expected += Math.Max(0, pastTop - past.Tracker.Base) + past.Tracker.SpannedBeforeRebase;
                effects.Add(past.Fault, Effect.AnnouncedLoss, past.Tracker.MissingUpTo(pastTop));
            }
            if (receipts.Tracker is not { } tracker) continue; // never connected: it expected nothing
            long top = receipts.EpochMax!.Value;
            IReadOnlyList<ConnectionEnd>? cuts = null; // read once, at the first lost seq (a copy, under the user's lock)
            expected += Math.Max(0, top - tracker.Base) + tracker.SpannedBeforeRebase;
            foreach (long seq in tracker.MissingSeqs(top))
            {
                bool anyoneGotIt = intendedBySeq.TryGetValue((user.GuildIndex, seq), out long us);
                if (peer && !anyoneGotIt)
                {
                    // A peer's ordinal nobody received: refused or never sent (not owed), or lost for everyone, which
                    // the ledger below counts once for every member. Not counted here too.
                    expected--;
                    continue;
                }
                double at = anyoneGotIt ? us / 1e6 : storm.Clock.NowSeconds;
                // Above what a user still away at the end had received, it is owed, not lost: it never had the chance to
                // come. A user connected but behind after the drain settled keeps it as lost (a gateway that skipped it).
                var effect = user.AwayAtEnd && seq > tracker.Highest ? Effect.OwedToUsersNotBack : Effect.Lost;
                effects.Add(storm.FaultFor(user.PickedBy, at), effect);
                if (effect == Effect.Lost) lostRuns.Add(user.Id, cuts ??= user.Cuts, storm.Layout.GuildIds[user.GuildIndex], seq, anyoneGotIt ? at : -1);
            }
        }

        long unconfirmed = 0, neverReceived = 0;
        var senders = users.ToDictionary(u => u.Index);
        var published = PublishedSendTimes(storm.Ledger);
        for (long local = 0; local < storm.Ledger.Count; local++)
        {
            var message = storm.Ledger[local];
            if (message.Seq != 0 || message.NotSent != 0) continue;
            long intended = message.IntendedMicroseconds;
            var sender = senders[message.Sender];
            int fault = storm.FaultFor(sender.PickedBy, intended / 1e6);
            // Judged against the fault that ended the connection: a limit breach, a kill, a partition...
            if (UnconfirmingEnd(sender.Cuts, intended, published.GetValueOrDefault(message.Sender)) is { } end)
            {
                unconfirmed++;
                effects.Add(end.Fault, Effect.UnconfirmedSends);
                continue;
            }
            int recipients = storm.Layout.GuildSizes[message.Guild];
            expected += recipients;
            neverReceived += recipients;
            effects.Add(fault, Effect.Lost, recipients);
        }

        var counters = storm.Counters;
        var generator = storm.Generator.Report();
        var tally = new ShardTally
        {
            Users = users.Count,
            Expected = expected,
            Delivered = delivered,
            Duplicates = duplicates,
            Reordered = reordered,
            Unconfirmed = unconfirmed,
            NeverReceived = neverReceived,
            Judged = ByteString(storm.Judged.CopyCumulative()),
            Generator = new GeneratorTally
            {
                MaxLagMs = generator.MaxLagMs, LagP99Ms = generator.LagP99Ms, GcPauseMs = generator.GcPauseMs, CpuPct = generator.CpuPct,
                MaxThreadPoolQueue = generator.MaxThreadPoolQueue, Saturated = generator.Saturated, Reason = generator.Reason,
                SchedulingLagP99Ms = generator.SchedulingLagP99Ms, MaxSchedulingLagMs = generator.MaxSchedulingLagMs,
            },
        };
        foreach (var (name, value) in counters.ReadAll()) tally.Counters[name] = value;
        foreach (var (fault, effect, count) in effects.Entries()) tally.Effects.Add(new EffectCount { Fault = fault, Effect = (int)effect, Count = count });
        foreach (var (fault, close, count) in effects.CloseEntries()) tally.Closes.Add(new CloseCount { Fault = fault, Close = close, Count = count });
        foreach (var (fault, close, count) in effects.FuzzCloseEntries()) tally.FuzzCloses.Add(new CloseCount { Fault = fault, Close = close, Count = count });
        foreach (var latency in storm.Latency) tally.Latency.Add(ByteString(latency.CopyCumulative()));
        foreach (var latency in storm.TierLatency) tally.TierLatency.Add(ByteString(latency.CopyCumulative()));
        foreach (var latency in storm.TierSurgeLatency) tally.TierSurgeLatency.Add(ByteString(latency.CopyCumulative()));
        for (int c = 0; c < CohortNames.Count; c++) tally.CohortUsers.Add(users.Count(u => (int)u.Cohort == c));
        for (int t = 0; t < storm.TierLatency.Length; t++) // by Tier as index
        {
            tally.TierUsers.Add(users.Count(u => (int)u.Tier == t));
            tally.TierShedUsers.Add(users.Count(u => (int)u.Tier == t && u.Cohort == Cohort.Shed));
        }
        foreach (var (sender, count) in storm.SenderOrderBreaks) tally.ReorderedSenders[$"{storm.RunId}-u{sender}"] = count;
        tally.LostRuns.AddRange(lostRuns.Largest());
        tally.NotInjected.AddRange(notInjected);
        tally.Notes.AddRange(notes);
        return tally;
    }

    private static Google.Protobuf.ByteString ByteString(HdrHistogram.HistogramBase histogram) =>
        Google.Protobuf.ByteString.CopyFrom(HistogramCodec.Encode(histogram));

    // The end of the sender's connection that leaves a send nobody received unconfirmed rather than lost, or null. Only the
    // next end at or after the send can, and only if no later send of the same sender was published before that end: the
    // gateway reads a connection's frames in order, so a later send it published proves it read this one, and then neither
    // published nor refused it: lost, whatever the close. Without that proof: an end within CutWindowMicroseconds (the
    // send may have died in the socket, or sat unread behind the close); or, soon enough after, a close a fault explains:
    // for Redis trouble (GatewayCloseWindowMicroseconds) or shedding (ShedCloseWindowMicroseconds). docs/protocol.md
    // ("Unconfirmed sends") gives the gateway's read path behind each window.
    // publishedTimes: the intended times of the sender's sends that were published, ascending (null: none).
    internal static ConnectionEnd? UnconfirmingEnd(IReadOnlyList<ConnectionEnd> cuts, long intended, List<long>? publishedTimes)
    {
        foreach (var cut in cuts) // in time order: the first at or after the send is the next end
        {
            if (cut.AtMicroseconds < intended) continue;
            if (PublishedBetween(publishedTimes, intended, cut.AtMicroseconds)) return null;
            long after = cut.AtMicroseconds - intended;
            if (after <= CutWindowMicroseconds) return cut;
            if (cut.Fault < 0) return null;
            if (cut.CloseCode is CloseCodes.InvalidSession or CloseCodes.InternalError) return after <= GatewayCloseWindowMicroseconds ? cut : null;
            if (cut.CloseCode is CloseCodes.Shed) return after <= ShedCloseWindowMicroseconds ? cut : null;
            return null;
        }
        return null;
    }

    // Whether any of the ascending times lies in (after, until].
    private static bool PublishedBetween(List<long>? times, long after, long until)
    {
        if (times is null) return false;
        int i = times.BinarySearch(after + 1);
        if (i < 0) i = ~i;
        return i < times.Count && times[i] <= until;
    }

    // For every sender with a send nobody received, the intended times of its sends that were published, ascending (the
    // ledger is in intended-time order within this shard).
    private static Dictionary<int, List<long>> PublishedSendTimes(DeliveryLedger ledger)
    {
        var candidates = new HashSet<int>();
        for (long local = 0; local < ledger.Count; local++)
        {
            ref readonly var message = ref ledger[local];
            if (message.Seq == 0 && message.NotSent == 0) candidates.Add(message.Sender);
        }
        var published = new Dictionary<int, List<long>>();
        if (candidates.Count == 0) return published;
        for (long local = 0; local < ledger.Count; local++)
        {
            ref readonly var message = ref ledger[local];
            if (message.Seq == 0 || !candidates.Contains(message.Sender)) continue;
            if (!published.TryGetValue(message.Sender, out var times)) published[message.Sender] = times = [];
            times.Add(message.IntendedMicroseconds);
        }
        return published;
    }

    // When each (guild, seq) was meant to be sent: from this shard's own sends, and from every message its users (or, in
    // a distributed storm, any shard's users) received of other shards.
    private static Dictionary<(int Guild, long Seq), long> IntendedTimes(StormContext storm)
    {
        var times = new Dictionary<(int, long), long>((int)Math.Min(storm.Ledger.Count, int.MaxValue / 2));
        for (long local = 0; local < storm.Ledger.Count; local++)
        {
            ref readonly var message = ref storm.Ledger[local];
            if (message.Seq != 0) times[(message.Guild, message.Seq)] = message.IntendedMicroseconds;
        }
        foreach (var (_, guild, seq, intended) in storm.Receipts.All()) times[(guild, seq)] = intended;
        return times;
    }
}
