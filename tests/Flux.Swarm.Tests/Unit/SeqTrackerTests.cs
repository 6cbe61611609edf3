using Flux.Swarm.Measurement;

namespace Flux.Swarm.Tests.Unit;

/// <summary>One user's view of one guild's seqs: arrivals in order, twice, late; what is missing; a new session.</summary>
public sealed class SeqTrackerTests
{
    [Fact]
    public void Seqs_after_the_base_arrive_in_order()
    {
        var tracker = new SeqTracker(10);

        Assert.Equal(SeqArrival.InOrder, tracker.Record(11));
        Assert.Equal(SeqArrival.InOrder, tracker.Record(12));
        Assert.Equal(SeqArrival.InOrder, tracker.Record(13));

        Assert.Equal(13L, tracker.Highest);
        Assert.Equal(0, tracker.MissingUpTo(13));
    }

    [Fact]
    public void A_seq_received_twice_is_a_duplicate_and_counts_once()
    {
        var tracker = new SeqTracker(0);
        tracker.Record(1);
        tracker.Record(2);

        Assert.Equal(SeqArrival.Duplicate, tracker.Record(2));
        Assert.Equal(SeqArrival.Duplicate, tracker.Record(1));

        Assert.Equal(2L, tracker.Highest);
        Assert.Equal(0, tracker.MissingUpTo(2));
    }

    [Fact]
    public void A_seq_at_or_below_the_base_is_a_duplicate_it_was_before_the_user_joined()
    {
        var tracker = new SeqTracker(50);

        Assert.Equal(SeqArrival.Duplicate, tracker.Record(50));
        Assert.Equal(SeqArrival.Duplicate, tracker.Record(3));

        Assert.Equal(50L, tracker.Highest);
    }

    [Fact]
    public void A_seq_after_a_higher_one_is_late_and_fills_its_gap()
    {
        var tracker = new SeqTracker(0);
        tracker.Record(1);
        Assert.Equal(SeqArrival.InOrder, tracker.Record(3));
        Assert.Equal(1, tracker.MissingUpTo(3));

        Assert.Equal(SeqArrival.Late, tracker.Record(2));

        Assert.Equal(3L, tracker.Highest);
        Assert.Equal(0, tracker.MissingUpTo(3));
        Assert.Equal(SeqArrival.Duplicate, tracker.Record(2)); // late once, then a duplicate
    }

    [Fact]
    public void MissingUpTo_and_MissingSeqs_name_the_seqs_that_never_came()
    {
        var tracker = new SeqTracker(100);
        foreach (long seq in new long[] { 101, 102, 104, 107 }) tracker.Record(seq);

        Assert.Equal(5, tracker.MissingUpTo(109));
        Assert.Equal([103L, 105, 106, 108, 109], tracker.MissingSeqs(109));
        Assert.Equal(3, tracker.MissingUpTo(107));
        Assert.Equal([103L, 105, 106], tracker.MissingSeqs(107));
        Assert.Equal(0, tracker.MissingUpTo(100));
        Assert.Equal(0, tracker.MissingUpTo(5));
        Assert.Empty(tracker.MissingSeqs(100));
    }

    [Fact]
    public void Tracking_grows_past_the_initial_words_and_counts_agree_at_every_word_boundary()
    {
        // Two 64-bit words cover 128 seqs at first; these go to 1,000 (16 words), skipping every multiple of 37.
        var tracker = new SeqTracker(0);
        var received = new HashSet<long>();
        for (long seq = 1; seq <= 1_000; seq++)
        {
            if (seq % 37 == 0) continue;
            Assert.Equal(SeqArrival.InOrder, tracker.Record(seq));
            received.Add(seq);
        }

        for (long upTo = 0; upTo <= 1_200; upTo++)
        {
            long expected = Enumerable.Range(1, (int)upTo).Count(s => !received.Contains(s));
            Assert.Equal(expected, tracker.MissingUpTo(upTo));
        }
        Assert.Equal(Enumerable.Range(1, 1_100).Where(s => !received.Contains(s)).Select(s => (long)s), tracker.MissingSeqs(1_100));
    }

    [Fact]
    public void A_far_seq_grows_the_bits_at_once_and_earlier_seqs_still_count_as_late()
    {
        var tracker = new SeqTracker(0);
        Assert.Equal(SeqArrival.InOrder, tracker.Record(5_000));
        Assert.Equal(4_999, tracker.MissingUpTo(5_000));

        Assert.Equal(SeqArrival.Late, tracker.Record(64));
        Assert.Equal(SeqArrival.Late, tracker.Record(4_999));

        Assert.Equal(4_997, tracker.MissingUpTo(5_000));
        Assert.Equal(SeqArrival.Duplicate, tracker.Record(5_000));
    }

    [Fact]
    public void Rebase_counts_what_the_lost_session_missed_and_tracking_continues_from_the_new_base()
    {
        var tracker = new SeqTracker(0);
        foreach (long seq in new long[] { 1, 2, 3, 5 }) tracker.Record(seq);

        long missed = tracker.Rebase(8); // the new session's ready says seq 8: 4, 6, 7, 8 never came

        Assert.Equal(4, missed);
        Assert.Equal((8L, 8L, 4L), (tracker.Base, tracker.Highest, tracker.MissedBeforeRebase));
        Assert.Equal(SeqArrival.InOrder, tracker.Record(9));
        Assert.Equal(SeqArrival.Duplicate, tracker.Record(7)); // before the new base
        Assert.Equal(2, tracker.MissingUpTo(11)); // 9 arrived after the new base; 10 and 11 did not
        Assert.Equal([10L, 11], tracker.MissingSeqs(11));

        Assert.Equal(2, tracker.Rebase(11));
        Assert.Equal(6, tracker.MissedBeforeRebase); // accumulates over sessions
        // Every seq the earlier sessions covered, (0, 8] and (8, 11]: the 5 received and the 6 missed, so that
        // expected deliveries count what a user received before it lost its session too.
        Assert.Equal(11, tracker.SpannedBeforeRebase);
    }

    [Fact]
    public void An_announced_gap_is_not_lost_and_seqs_after_it_arrive_in_order()
    {
        var tracker = new SeqTracker(10);
        tracker.Record(11);

        long announced = tracker.Announce(12, 15); // a gap frame: 12..15 will never come
        Assert.Equal(4, announced);

        Assert.Equal(0, tracker.MissingUpTo(15));
        Assert.Equal(SeqArrival.InOrder, tracker.Record(16));
        Assert.Empty(tracker.MissingSeqs(16));
    }

    [Fact]
    public void An_announced_range_counts_only_what_had_not_arrived_and_never_reaches_below_the_base()
    {
        var tracker = new SeqTracker(10);
        tracker.Record(13);

        long announced = tracker.Announce(5, 14); // 5..10 are before the base; 13 arrived; 11, 12, 14 had not

        Assert.Equal(3, announced);
        Assert.Equal(14L, tracker.Highest);
        Assert.Equal(SeqArrival.Duplicate, tracker.Record(12)); // it was announced as never coming: a copy now is a duplicate
    }
}
