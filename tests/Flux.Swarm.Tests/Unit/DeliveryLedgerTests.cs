using Flux.Swarm.Measurement;

namespace Flux.Swarm.Tests.Unit;

/// <summary>Every message the storm sent, by id: registration, copies that came back, sends that never left.</summary>
public sealed class DeliveryLedgerTests
{
    private const int ChunkSize = 1 << 16;

    [Fact]
    public void Register_assigns_consecutive_ids_and_keeps_guild_sender_and_intended_time()
    {
        var ledger = new DeliveryLedger();

        Assert.Equal(0, ledger.Register(guild: 2, sender: 17, intendedMicroseconds: 1_500));
        Assert.Equal(1, ledger.Register(guild: 0, sender: 3, intendedMicroseconds: 2_750));

        Assert.Equal(2, ledger.Count);
        var first = ledger[0];
        Assert.Equal((2, 17, 1_500L, 0L, 0), (first.Guild, first.Sender, first.IntendedMicroseconds, first.Seq, first.NotSent));
        Assert.Equal((0, 3, 2_750L), (ledger[1].Guild, ledger[1].Sender, ledger[1].IntendedMicroseconds));
    }

    [Fact]
    public void MarkDelivered_keeps_the_first_seq()
    {
        var ledger = new DeliveryLedger();
        long id = ledger.Register(0, 0, 10);

        Assert.True(ledger.MarkDelivered(id, seq: 41));
        Assert.True(ledger.MarkDelivered(id, seq: 41));
        Assert.True(ledger.MarkDelivered(id, seq: 99)); // a copy claiming another seq does not overwrite the first

        Assert.Equal(41L, ledger[id].Seq);
        Assert.Equal(0, ledger[id].NotSent);
    }

    [Fact]
    public void MarkNotSent_flags_only_that_message()
    {
        var ledger = new DeliveryLedger();
        long sent = ledger.Register(0, 0, 10);
        long failed = ledger.Register(0, 1, 20);

        ledger.MarkNotSent(failed);

        Assert.Equal(1, ledger[failed].NotSent);
        Assert.Equal(0, ledger[sent].NotSent);
    }

    [Theory]
    [InlineData(1L)]         // the next id, not yet registered
    [InlineData(70_000L)]    // in a chunk that does not exist yet
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void Ids_the_run_never_registered_are_rejected(long id)
    {
        var ledger = new DeliveryLedger();
        ledger.Register(0, 0, 10);

        Assert.False(ledger.MarkDelivered(id, seq: 5));
        ledger.MarkNotSent(id); // ignored, not thrown

        Assert.Equal(1, ledger.Count);
        Assert.Equal((0L, 0), (ledger[0].Seq, ledger[0].NotSent));
    }

    [Fact]
    public void Registrations_across_chunk_boundaries_keep_every_message()
    {
        const int count = 3 * ChunkSize + 123; // four chunks
        var ledger = new DeliveryLedger();
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, ledger.Register(guild: i % 7, sender: i, intendedMicroseconds: i * 10L));
        }

        Assert.Equal(count, ledger.Count);
        foreach (long id in new long[] { 0, ChunkSize - 1, ChunkSize, 2 * ChunkSize - 1, 2 * ChunkSize, 3 * ChunkSize, count - 1 })
        {
            Assert.True(ledger.MarkDelivered(id, seq: id + 1));
            var message = ledger[id];
            Assert.Equal((id % 7, id, id * 10, id + 1), ((long)message.Guild, (long)message.Sender, message.IntendedMicroseconds, message.Seq));
        }
        Assert.False(ledger.MarkDelivered(count, seq: 1));
        Assert.Equal(0, ledger[ChunkSize + 1].Seq); // its neighbours were not touched
    }

    [Fact]
    public void Each_guild_numbers_its_messages_from_one_in_registration_order()
    {
        var ledger = new DeliveryLedger(guilds: 3);

        long a = ledger.Register(guild: 1, sender: 0, intendedMicroseconds: 10);
        long b = ledger.Register(guild: 2, sender: 5, intendedMicroseconds: 11);
        long c = ledger.Register(guild: 1, sender: 7, intendedMicroseconds: 12);

        Assert.Equal((1L, 1L, 2L), (ledger[a].Ordinal, ledger[b].Ordinal, ledger[c].Ordinal));
        Assert.Equal((0L, 2L, 1L), (ledger.LastOrdinal(0), ledger.LastOrdinal(1), ledger.LastOrdinal(2)));
        Assert.True(ledger.Contains(c));
        Assert.False(ledger.Contains(c + 1));
        Assert.False(ledger.Contains(-1));
    }
}
