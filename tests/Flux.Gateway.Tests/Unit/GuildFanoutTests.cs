using Microsoft.Extensions.Time.Testing;
using System.Text;
using System.Diagnostics;
using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flux.Gateway.Tests.Unit;

/// <summary>The per-guild sequencer: every member gets every seq once, in order, filling what the subscription missed.</summary>
public sealed class GuildFanoutTests
{
    private const string Guild = "g1";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly InMemoryGuildHistory _history = new(Guild);

    [Fact]
    public async Task In_order_seqs_are_delivered_to_every_member_without_reading_history()
    {
        var (fanout, recipients) = NewFanout(startAt: 0, members: 2);

        for (int i = 0; i < 3; i++) await PublishLive(fanout);

        Assert.All(recipients, r => Assert.Equal([1, 2, 3], r.MessageSeqs));
        Assert.Equal(3, fanout.LastSeq);
        Assert.Equal(0, _history.Reads);
    }

    [Fact]
    public async Task Seqs_at_or_below_the_start_are_not_delivered()
    {
        _history.PublishThrough(5);
        var (fanout, recipients) = NewFanout(startAt: 5);

        await Process(fanout, 4);
        await Process(fanout, 5);
        await PublishLive(fanout);

        Assert.Equal([6], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task Duplicate_and_older_seqs_are_dropped()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        await PublishLive(fanout);
        await PublishLive(fanout);

        await Process(fanout, 2);
        await Process(fanout, 1);
        await PublishLive(fanout);
        await Process(fanout, 3);

        Assert.Equal([1, 2, 3], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task A_seq_that_skips_ahead_first_fills_the_missing_seqs_from_history_in_order()
    {
        var (fanout, recipients) = NewFanout(startAt: 0, members: 2);
        await PublishLive(fanout);
        _history.PublishThrough(4); // 2..4 never arrive live

        await PublishLive(fanout);

        Assert.All(recipients, r => Assert.Equal([1, 2, 3, 4, 5], r.MessageSeqs));
        Assert.True(_history.Reads >= 1);
        Assert.Equal(5, fanout.LastSeq);
    }

    [Fact]
    public async Task A_long_fill_reads_history_in_chunks_and_stays_in_order()
    {
        var (fanout, recipients) = NewFanout(startAt: 0, historyChunk: 3);
        _history.PublishThrough(10);

        await PublishLive(fanout);

        Assert.Equal(Enumerable.Range(1, 11).Select(s => (long)s), recipients[0].MessageSeqs);
        Assert.Equal(4, _history.Reads); // 1-3, 4-6, 7-9, 10
    }

    [Fact]
    public async Task Seqs_history_no_longer_holds_are_announced_with_a_gap_frame()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        _history.PublishThrough(9);
        _history.TrimTo(4); // holds 6..9

        await PublishLive(fanout);

        var frames = recipients[0].Frames;
        var gap = frames[0];
        Assert.Equal(ServerOp.Gap, gap.Op);
        Assert.Equal((Guild, 1L, 5L), (gap.Guild, gap.GapFrom, gap.GapTo));
        Assert.Equal([6, 7, 8, 9, 10], recipients[0].MessageSeqs);
        Assert.Equal(6, frames.Count);
    }

    [Fact]
    public async Task A_gap_reaching_up_to_the_live_seq_is_announced_once_then_the_live_seq_follows()
    {
        var (fanout, recipients) = NewFanout(startAt: 2);
        _history.PublishThrough(7);
        _history.TrimTo(0);

        await PublishLive(fanout); // seq 8; history holds only 8

        var frames = recipients[0].Frames;
        Assert.Equal(2, frames.Count);
        Assert.Equal((ServerOp.Gap, 3L, 7L), (frames[0].Op, frames[0].GapFrom, frames[0].GapTo));
        Assert.Equal((ServerOp.Message, 8L), (frames[1].Op, frames[1].Seq));
    }

    [Fact]
    public async Task A_message_arriving_during_a_fill_waits_for_it_and_keeps_its_place()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        _history.PublishThrough(2);
        _history.HoldReads();

        var filling = PublishLive(fanout); // seq 3 needs 1..2 from history
        var next = PublishLive(fanout);    // seq 4 arrives while the fill waits
        Assert.False(filling.IsCompleted);
        Assert.False(next.IsCompleted);
        Assert.Equal(0, recipients[0].DeliveredCount);

        _history.ReleaseReads();
        await filling.WaitAsync(Timeout);
        await next.WaitAsync(Timeout);

        Assert.Equal([1, 2, 3, 4], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task A_failed_fill_delivers_nothing_and_the_next_message_fills_again()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        _history.PublishThrough(2);
        _history.FailNextReads(1);

        await PublishLive(fanout); // seq 3: the fill fails
        Assert.Equal(0, recipients[0].DeliveredCount);
        Assert.Equal(0, fanout.LastSeq);

        await PublishLive(fanout); // seq 4: fills 1..3

        Assert.Equal([1, 2, 3, 4], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task CatchUp_delivers_what_was_published_while_not_listening()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        await PublishLive(fanout);
        await PublishLive(fanout);
        _history.PublishThrough(6);

        await fanout.CatchUpAsync().WaitAsync(Timeout);

        Assert.Equal([1, 2, 3, 4, 5, 6], recipients[0].MessageSeqs);
        Assert.Equal(6, fanout.LastSeq);
        Assert.Empty(recipients[0].LostGuilds);
    }

    [Fact]
    public async Task CatchUp_with_nothing_missed_delivers_nothing()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        await PublishLive(fanout);

        await fanout.CatchUpAsync().WaitAsync(Timeout);

        Assert.Equal([1], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task CatchUp_announces_a_gap_when_history_was_trimmed_meanwhile()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        await PublishLive(fanout);
        _history.PublishThrough(10);
        _history.TrimTo(3); // holds 8..10

        await fanout.CatchUpAsync().WaitAsync(Timeout);

        var frames = recipients[0].Frames;
        Assert.Equal((ServerOp.Gap, 2L, 7L), (frames[1].Op, frames[1].GapFrom, frames[1].GapTo));
        Assert.Equal([1, 8, 9, 10], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task CatchUp_after_the_guild_state_was_lost_tells_every_member_and_restarts_from_the_new_seq()
    {
        var (fanout, recipients) = NewFanout(startAt: 0, members: 2);
        for (int i = 0; i < 5; i++) await PublishLive(fanout);
        _history.Reset(latest: 2); // Redis restarted without persistence; two new messages since

        await fanout.CatchUpAsync().WaitAsync(Timeout);

        Assert.All(recipients, r => Assert.Equal([Guild], r.LostGuilds));
        Assert.All(recipients, r => Assert.Equal([1, 2, 3, 4, 5], r.MessageSeqs));
        Assert.Equal(2, fanout.LastSeq);
    }

    [Fact]
    public async Task CatchUp_after_a_restart_that_ran_past_the_old_seq_in_a_new_epoch_tells_every_member()
    {
        var (fanout, recipients) = NewFanout(startAt: 0, members: 2);
        for (int i = 0; i < 3; i++) await PublishLive(fanout);
        _history.Reset(latest: 8); // restarted empty, and another replica published past seq 3 first

        await fanout.CatchUpAsync().WaitAsync(Timeout);

        Assert.All(recipients, r => Assert.Equal([Guild], r.LostGuilds));
        Assert.All(recipients, r => Assert.Equal([1, 2, 3], r.MessageSeqs)); // never 4..8 of another epoch
        Assert.Equal(_history.Epoch, fanout.Epoch);
    }

    [Fact]
    public async Task CatchUp_tells_every_member_when_the_message_under_the_last_seq_is_another_one()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        for (int i = 0; i < 5; i++) await PublishLive(fanout);
        _history.LoseNewest(2); // the append-only file lost seqs 4 and 5; two other messages took them
        _history.PublishThrough(7);

        await fanout.CatchUpAsync().WaitAsync(Timeout);

        Assert.Equal([Guild], recipients[0].LostGuilds);
        Assert.Equal([1, 2, 3, 4, 5], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task A_live_message_of_another_epoch_tells_every_member_and_is_not_delivered()
    {
        var (fanout, recipients) = NewFanout(startAt: 0, members: 2);
        for (int i = 0; i < 3; i++) await PublishLive(fanout);
        _history.Reset(latest: 0); // FLUSHALL; the next publish starts a new epoch at seq 1

        await PublishLive(fanout);
        await PublishLive(fanout);

        Assert.All(recipients, r => Assert.Equal([Guild], r.LostGuilds));
        Assert.All(recipients, r => Assert.Equal([1, 2, 3], r.MessageSeqs));
        Assert.Equal(_history.Epoch, fanout.Epoch);
    }

    [Fact]
    public async Task Members_that_join_after_a_reset_get_the_new_epochs_messages()
    {
        var (fanout, first) = NewFanout(startAt: 0);
        await PublishLive(fanout);
        _history.Reset(latest: 0);
        await PublishLive(fanout); // seq 1 of the new epoch: every member is told, the sequencer moves on
        var late = AddLiveMember(fanout, cursor: _history.Latest);

        await PublishLive(fanout);
        await PublishLive(fanout);

        Assert.Equal([Guild], first[0].LostGuilds);
        Assert.Empty(late.Recipient.LostGuilds);
        Assert.Equal([2, 3], late.Recipient.MessageSeqs);
    }

    [Fact]
    public async Task A_gap_fill_that_reads_another_epoch_tells_every_member()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        await PublishLive(fanout);
        _history.Reset(latest: 5);

        // A message of the old epoch announced with a seq past the cursor makes the sequencer read history: it is
        // of the new epoch.
        await fanout.ProcessAsync(Envelope(4, "epoch-1", MessageFrames.Bytes(Guild, 4)), Stopwatch.GetTimestamp()).WaitAsync(Timeout);

        Assert.Equal([Guild], recipients[0].LostGuilds);
        Assert.Equal([1], recipients[0].MessageSeqs);
    }

    [Fact]
    public async Task A_refused_sends_notice_of_another_epoch_tells_every_member_and_one_of_this_epoch_is_ignored()
    {
        var (fanout, recipients) = NewFanout(startAt: 0, members: 2);
        await PublishLive(fanout);

        // A notice carries the current seq and no frame: of this epoch, even one seq ahead, it is nothing to deliver.
        await fanout.ProcessAsync(Envelope(2, _history.Epoch, []), Stopwatch.GetTimestamp()).WaitAsync(Timeout);
        Assert.All(recipients, r => Assert.Empty(r.LostGuilds));
        Assert.Equal(1, fanout.LastSeq);

        _history.Reset(latest: 0);
        await fanout.ProcessAsync(Envelope(0, _history.Epoch, []), Stopwatch.GetTimestamp()).WaitAsync(Timeout);

        Assert.All(recipients, r => Assert.Equal([Guild], r.LostGuilds));
        Assert.All(recipients, r => Assert.Equal([1], r.MessageSeqs));
        Assert.Equal((_history.Epoch, 0L), (fanout.Epoch, fanout.LastSeq));
    }

    [Fact]
    public async Task A_late_message_of_an_epoch_the_sequencer_has_left_does_not_take_it_back()
    {
        var (fanout, _) = NewFanout(startAt: 0);
        await PublishLive(fanout);
        string lost = _history.Epoch;
        _history.Reset(latest: 0);
        await fanout.CatchUpAsync().WaitAsync(Timeout); // a read of Redis moves the sequencer to the new epoch
        var joined = AddLiveMember(fanout, cursor: 0);

        // Published before the loss, still on its way.
        await fanout.ProcessAsync(Envelope(2, lost, MessageFrames.Bytes(Guild, 2)), Stopwatch.GetTimestamp()).WaitAsync(Timeout);
        await PublishLive(fanout);

        Assert.Empty(joined.Recipient.LostGuilds);
        Assert.Equal([1], joined.Recipient.MessageSeqs);
        Assert.Equal(_history.Epoch, fanout.Epoch);
    }

    [Fact]
    public async Task A_member_added_later_gets_only_later_seqs_and_a_removed_member_gets_none()
    {
        var (fanout, recipients) = NewFanout(startAt: 0);
        await PublishLive(fanout);
        var late = AddLiveMember(fanout, cursor: fanout.LastSeq);

        await PublishLive(fanout);
        fanout.Remove(late.Member);
        await PublishLive(fanout);

        Assert.Equal([1, 2, 3], recipients[0].MessageSeqs);
        Assert.Equal([2], late.Recipient.MessageSeqs);
        Assert.Equal(1, fanout.MemberCount);
    }

    [Fact]
    public void A_guild_idle_for_the_grace_period_is_closed_and_takes_no_new_members()
    {
        var (fanout, _) = NewFanout(startAt: 0, members: 0);

        Assert.True(fanout.TryCloseIfIdle(TimeSpan.Zero));

        var member = new GuildMember(fanout, new RecordingRecipient(), 10);
        Assert.False(fanout.TryAdd(member));
        Assert.Equal(0, fanout.MemberCount);
    }

    [Fact]
    public void A_guild_with_members_is_not_closed_as_idle()
    {
        var (fanout, _) = NewFanout(startAt: 0, members: 1);

        Assert.False(fanout.TryCloseIfIdle(TimeSpan.Zero));
    }

    [Fact]
    public void The_guild_expiry_is_renewed_at_most_once_per_interval_and_its_record_goes_with_the_guild()
    {
        var interval = TimeSpan.FromHours(1);
        // The per-guild expiry record is pruned. It lives on the guild's fan-out, which the idle sweep
        // closes and drops with everything it holds; no dictionary outlives the guilds.
        var time = new FakeTimeProvider();
        var fanout = new GuildFanout(Guild, _history, 100, TestMetrics.Gateway(), time, NullLogger.Instance);
        fanout.StartAt(new GuildState(0, _history.Epoch));

        Assert.True(fanout.TakeExpiryRefresh(interval));  // the first publish (or sweep) renews
        Assert.False(fanout.TakeExpiryRefresh(interval)); // then not again within the interval
        time.Advance(interval - TimeSpan.FromSeconds(1));
        Assert.False(fanout.TakeExpiryRefresh(interval));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(fanout.TakeExpiryRefresh(interval));
        Assert.True(fanout.TryCloseIfIdle(TimeSpan.Zero));
    }

    [Theory]
    [InlineData(7 * 86_400, 3_600)] // the default week: hourly
    [InlineData(14_400, 3_600)]
    [InlineData(600, 150)]          // shorter than four hours: a quarter of it, well before the keys would expire
    [InlineData(60, 15)]
    public void A_guild_is_renewed_hourly_or_four_times_per_ttl_when_that_is_shorter(int ttlSeconds, int renewSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(renewSeconds), new GatewayOptions { HistoryTtlSeconds = ttlSeconds }.GuildExpiryRenewInterval);

    [Theory]
    [InlineData(200, 3_600, 100)]      // a storm's guilds: all due at once are renewed within 2 s
    [InlineData(100_000, 3_600, 100)]  // spread over 1,000 s, well within the hour
    [InlineData(100_000, 15, 13_334)]  // a 60 s ttl: every guild twice per 15 s interval
    public void Guild_renewals_are_spread_over_sweeps_at_twice_the_pace_the_interval_needs(int guilds, int intervalSeconds, int perSweep) =>
        Assert.Equal(perSweep, GuildDirectory.RenewalsPerSweep(guilds, TimeSpan.FromSeconds(intervalSeconds)));

    private (GuildFanout Fanout, RecordingRecipient[] Recipients) NewFanout(long startAt, int members = 1, int historyChunk = 100)
    {
        var fanout = new GuildFanout(Guild, _history, historyChunk, TestMetrics.Gateway(), TimeProvider.System, NullLogger.Instance);
        fanout.StartAt(new GuildState(startAt, _history.Epoch));
        var recipients = new RecordingRecipient[members];
        for (int i = 0; i < members; i++) recipients[i] = AddLiveMember(fanout, startAt).Recipient;
        return (fanout, recipients);
    }

    private static (GuildMember Member, RecordingRecipient Recipient) AddLiveMember(GuildFanout fanout, long cursor)
    {
        var recipient = new RecordingRecipient();
        var member = new GuildMember(fanout, recipient, stashLimit: 1_000);
        Assert.True(fanout.TryAdd(member));
        member.GoLive(cursor);
        return (member, recipient);
    }

    // What the subscription hands over: the next seq the publish script assigned.
    private Task PublishLive(GuildFanout fanout)
    {
        byte[] frame = _history.Publish();
        return fanout.ProcessAsync(Envelope(_history.Latest, _history.Epoch, frame), Stopwatch.GetTimestamp());
    }

    private Task Process(GuildFanout fanout, long seq) =>
        fanout.ProcessAsync(Envelope(seq, _history.Epoch, MessageFrames.Bytes(Guild, seq)), Stopwatch.GetTimestamp());

    private static PublishedEnvelope Envelope(long seq, string epoch, byte[] frame) =>
        new(seq, Encoding.UTF8.GetBytes(epoch), 0, default, frame);
}
