using Flux.Gateway.Connections;
using Flux.Gateway.Fanout;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flux.Gateway.Tests.Unit;

/// <summary>The seam between replay and live: no duplicate, no gap, and a slow joiner is closed rather than waited for.</summary>
public sealed class GuildMemberTests
{
    private const string Guild = "g1";

    [Fact]
    public void Frames_offered_while_joining_are_stashed_not_delivered()
    {
        var (member, recipient) = NewMember();

        Offer(member, 1, 2, 3);

        Assert.False(member.IsLive);
        Assert.Equal(0, recipient.DeliveredCount);
        Assert.Equal(0, member.Cursor);
    }

    [Fact]
    public void GoLive_delivers_only_stashed_seqs_after_the_cursor_in_order()
    {
        var (member, recipient) = NewMember();
        Offer(member, 3, 4, 5, 6);

        member.GoLive(4);

        Assert.True(member.IsLive);
        Assert.Equal([5, 6], recipient.MessageSeqs);
        Assert.Equal(6, member.Cursor);
    }

    [Fact]
    public void GoLive_with_an_empty_stash_sets_the_cursor()
    {
        var (member, recipient) = NewMember();

        member.GoLive(9);

        Assert.Equal(9, member.Cursor);
        Assert.Equal(0, recipient.DeliveredCount);
    }

    [Fact]
    public void GoLive_past_the_whole_stash_delivers_nothing_from_it()
    {
        var (member, recipient) = NewMember();
        Offer(member, 1, 2, 3);

        member.GoLive(3);

        Assert.Equal(0, recipient.DeliveredCount);
        Assert.Equal(3, member.Cursor);
    }

    [Fact]
    public void Live_seqs_are_delivered_directly_after_GoLive()
    {
        var (member, recipient) = NewMember();
        Offer(member, 1);
        member.GoLive(0);

        Offer(member, 2);
        Assert.Equal([1, 2], recipient.MessageSeqs);
        Offer(member, 3);

        Assert.Equal([1, 2, 3], recipient.MessageSeqs);
        Assert.Equal(3, member.Cursor);
    }

    [Fact]
    public void A_seq_at_or_below_the_cursor_is_never_delivered_twice()
    {
        var (member, recipient) = NewMember();
        Offer(member, 4, 5);
        member.GoLive(5);

        Offer(member, 3, 5, 6, 6, 5, 7);

        Assert.Equal([6, 7], recipient.MessageSeqs);
    }

    [Fact]
    public void The_stash_overflowing_its_limit_reports_the_member_as_a_slow_consumer()
    {
        var (member, recipient) = NewMember(stashLimit: 2);

        Offer(member, 1, 2);
        Assert.Equal(0, recipient.Overflows);
        Offer(member, 3);

        Assert.Equal(1, recipient.Overflows);
        member.GoLive(0);
        Assert.Equal([1, 2], recipient.MessageSeqs);
    }

    [Fact]
    public void A_full_send_queue_on_live_delivery_reports_overflow()
    {
        var (member, recipient) = NewMember();
        member.GoLive(0);
        Offer(member, 1);
        Assert.Equal(0, recipient.Overflows);

        recipient.NextResult = EnqueueResult.Overflow;
        Offer(member, 2);

        Assert.Equal(1, recipient.Overflows);
    }

    [Fact]
    public void A_full_send_queue_while_handing_over_the_stash_reports_overflow()
    {
        var (member, recipient) = NewMember();
        Offer(member, 1, 2);
        recipient.NextResult = EnqueueResult.Overflow;

        member.GoLive(0);

        Assert.Equal(2, recipient.Overflows);
    }

    [Fact]
    public void A_closed_send_queue_is_not_an_overflow()
    {
        var (member, recipient) = NewMember();
        member.GoLive(0);
        recipient.NextResult = EnqueueResult.Closed;

        Offer(member, 1);

        Assert.Equal(0, recipient.Overflows);
    }

    [Fact]
    public async Task GoLive_racing_live_offers_leaves_no_gap_and_no_duplicate()
    {
        const long last = 5_000;
        const long replayedThrough = 1_000;
        var (member, recipient) = NewMember(stashLimit: (int)last);
        var frames = Enumerable.Range(0, (int)last + 1).Select(seq => MessageFrames.Outbound(Guild, seq)).ToArray();
        long offered = 0;

        // The fan-out keeps offering, on its own thread, while the connection finishes its replay and goes live.
        var fanout = Task.Factory.StartNew(() =>
        {
            for (long seq = 1; seq <= last; seq++)
            {
                member.Offer(seq, frames[seq]);
                Volatile.Write(ref offered, seq);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref offered) >= replayedThrough, TimeSpan.FromSeconds(10)));
        member.GoLive(replayedThrough);
        await fanout.WaitAsync(TimeSpan.FromSeconds(10));

        var seqs = recipient.MessageSeqs;
        Assert.Equal(last - replayedThrough, seqs.Count);
        Assert.Equal(Enumerable.Range((int)replayedThrough + 1, (int)(last - replayedThrough)).Select(s => (long)s), seqs);
        Assert.Equal(last, member.Cursor);
    }

    private static (GuildMember Member, RecordingRecipient Recipient) NewMember(int stashLimit = 100)
    {
        var fanout = new GuildFanout(Guild, new InMemoryGuildHistory(Guild), historyChunk: 10, TestMetrics.Gateway(), TimeProvider.System, NullLogger.Instance);
        var recipient = new RecordingRecipient();
        return (new GuildMember(fanout, recipient, stashLimit), recipient);
    }

    private static void Offer(GuildMember member, params long[] seqs)
    {
        foreach (long seq in seqs) member.Offer(seq, MessageFrames.Outbound(Guild, seq));
    }
}
