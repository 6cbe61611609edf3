using System.Diagnostics;
using System.Text;
using Flux.Gateway.Backplane;
using Flux.Gateway.Fanout;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flux.Gateway.Tests.Unit;

/// <summary>A guild's member slots: O(1) joins and leaves, and a lock-free walk that sees each member once.</summary>
public sealed class MemberSlotsTests
{
    private const string Guild = "g1";
    private readonly InMemoryGuildHistory _history = new(Guild);

    [Fact]
    public void Joins_and_leaves_in_any_order_keep_exactly_the_current_members()
    {
        var slots = new MemberSlots();
        var fanout = NewFanout();
        var present = new HashSet<GuildMember>();
        var random = new Random(22);
        for (int step = 0; step < 20_000; step++)
        {
            if (present.Count == 0 || random.Next(3) > 0 && present.Count < 3_000)
            {
                var member = new GuildMember(fanout, new RecordingRecipient(), 4);
                slots.Add(member);
                present.Add(member);
            }
            else
            {
                var leaving = present.ElementAt(random.Next(present.Count));
                Assert.True(slots.Remove(leaving));
                present.Remove(leaving);
            }
        }

        Assert.Equal(present.Count, slots.Count);
        Assert.Equal(present.OrderBy(m => m.Slot), slots.Members().OrderBy(m => m.Slot));
        var snapshot = slots.Snapshot;
        Assert.All(present, member => Assert.Same(member, snapshot[member.Slot]));
    }

    [Fact]
    public void A_member_that_is_not_there_is_not_removed_twice()
    {
        var slots = new MemberSlots();
        var fanout = NewFanout();
        var member = new GuildMember(fanout, new RecordingRecipient(), 4);
        slots.Add(member);

        Assert.True(slots.Remove(member));
        Assert.False(slots.Remove(member));
        Assert.False(slots.Remove(new GuildMember(fanout, new RecordingRecipient(), 4)));
        Assert.Equal(0, slots.Count);
    }

    [Fact]
    public void A_left_slot_is_reused_by_the_next_join()
    {
        var slots = new MemberSlots();
        var fanout = NewFanout();
        var members = Enumerable.Range(0, 6).Select(_ => new GuildMember(fanout, new RecordingRecipient(), 4)).ToArray();
        foreach (var member in members) slots.Add(member);
        int length = slots.Snapshot.Length;

        int freed = members[2].Slot;
        slots.Remove(members[2]);
        var next = new GuildMember(fanout, new RecordingRecipient(), 4);
        slots.Add(next);

        Assert.Equal(freed, next.Slot);
        Assert.Equal(length, slots.Snapshot.Length);
    }

    [Fact]
    public void After_most_members_leave_the_slots_shrink_so_a_walk_costs_what_the_members_do()
    {
        var slots = new MemberSlots();
        var fanout = NewFanout();
        var members = Enumerable.Range(0, 10_000).Select(_ => new GuildMember(fanout, new RecordingRecipient(), 4)).ToArray();
        foreach (var member in members) slots.Add(member);

        foreach (var member in members[10..]) slots.Remove(member);

        Assert.Equal(10, slots.Count);
        Assert.True(slots.Snapshot.Length <= 64, $"{slots.Snapshot.Length} slots for 10 members");
        Assert.Equal(members[..10].ToHashSet(), slots.Members().ToHashSet());
        Assert.All(members[..10], member => Assert.Same(member, slots.Snapshot[member.Slot]));
    }

    [Fact]
    public async Task A_walk_beside_churning_joins_and_leaves_sees_every_staying_member_exactly_once()
    {
        var slots = new MemberSlots();
        var gate = new Lock();
        var fanout = NewFanout();
        var staying = Enumerable.Range(0, 200).Select(_ => new GuildMember(fanout, new RecordingRecipient(), 4)).ToArray();
        foreach (var member in staying) slots.Add(member);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        // Churn: joins and leaves that grow, reuse and compact the slots, under the lock the guild's writers take.
        var churn = Task.Run(() =>
        {
            var random = new Random(7);
            var passing = new List<GuildMember>();
            while (!stop.IsCancellationRequested)
            {
                lock (gate)
                {
                    if (passing.Count < 5_000 && random.Next(2) == 0)
                    {
                        for (int i = 0; i < 100; i++)
                        {
                            var member = new GuildMember(fanout, new RecordingRecipient(), 4);
                            slots.Add(member);
                            passing.Add(member);
                        }
                    }
                    else
                    {
                        foreach (var member in passing) slots.Remove(member);
                        passing.Clear();
                    }
                }
            }
        });

        int walks = 0;
        var seen = new Dictionary<GuildMember, int>();
        while (!stop.IsCancellationRequested && walks < 100_000)
        {
            seen.Clear();
            foreach (var member in slots.Snapshot)
            {
                if (member is not null) seen[member] = seen.GetValueOrDefault(member) + 1;
            }
            Assert.All(seen, pair => Assert.Equal(1, pair.Value));
            Assert.All(staying, member => Assert.True(seen.ContainsKey(member), "a member present throughout was skipped"));
            walks++;
        }
        await churn;

        Assert.True(walks > 10, $"only {walks} walks");
    }

    [Fact]
    public async Task A_message_reaches_only_the_members_still_there_after_a_large_guild_empties_out()
    {
        var fanout = NewFanout();
        var recipients = Enumerable.Range(0, 10_000).Select(_ => new RecordingRecipient()).ToArray();
        var members = recipients.Select(r => new GuildMember(fanout, r, 4)).ToArray();
        foreach (var member in members)
        {
            Assert.True(fanout.TryAdd(member));
            member.GoLive(0);
        }

        foreach (var member in members[..9_990]) fanout.Remove(member);
        byte[] frame = _history.Publish();
        await fanout.ProcessAsync(new PublishedEnvelope(_history.Latest, Encoding.UTF8.GetBytes(_history.Epoch), 0, default, frame), Stopwatch.GetTimestamp());

        Assert.Equal(10, fanout.MemberCount);
        Assert.All(recipients[..9_990], r => Assert.Empty(r.MessageSeqs));
        Assert.All(recipients[9_990..], r => Assert.Equal([1L], r.MessageSeqs));
    }

    [Fact]
    public async Task Fanning_out_a_message_allocates_no_more_for_a_thousand_members_than_for_ten()
    {
        long perMessageFor10 = await AllocatedPerMessageAsync(members: 10);
        long perMessageFor1000 = await AllocatedPerMessageAsync(members: 1_000);

        // Whatever one message costs (its envelope, the metrics), it is the same whatever the guild's size.
        Assert.True(perMessageFor1000 <= perMessageFor10 + 64, $"{perMessageFor10} B per message for 10 members, {perMessageFor1000} B for 1,000");
    }

    private async Task<long> AllocatedPerMessageAsync(int members)
    {
        var fanout = NewFanout();
        for (int i = 0; i < members; i++)
        {
            var member = new GuildMember(fanout, new CountingRecipient(), 4);
            fanout.TryAdd(member);
            member.GoLive(0);
        }
        var history = new InMemoryGuildHistory(Guild);
        byte[] frame = history.Publish();
        byte[] epoch = Encoding.UTF8.GetBytes(history.Epoch);
        long seq = 0;
        for (int i = 0; i < 100; i++) await fanout.ProcessAsync(new PublishedEnvelope(++seq, epoch, 0, default, frame), 0); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            var done = fanout.ProcessAsync(new PublishedEnvelope(++seq, epoch, 0, default, frame), 0);
            Assert.True(done.IsCompletedSuccessfully);
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 1_000;
    }

    private GuildFanout NewFanout()
    {
        var fanout = new GuildFanout(Guild, _history, 100, TestMetrics.Gateway(), TimeProvider.System, NullLogger.Instance);
        fanout.StartAt(new GuildState(0, _history.Epoch));
        return fanout;
    }

    private sealed class CountingRecipient : IGuildRecipient
    {
        public int Delivered;

        public EnqueueResult Deliver(in OutboundFrame frame)
        {
            Delivered++;
            return EnqueueResult.Enqueued;
        }

        public void OnOverflow()
        {
        }

        public void OnGuildStateLost(string guild)
        {
        }
    }
}
