using Flux.Protocol.Agents;
using Flux.Protocol.Storms.Faults;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Distributed;
using Flux.Swarm.Storms;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The parts a shard of a distributed storm hands to the coordinator: ids, receipts, histograms, tallies.</summary>
public sealed class ShardPartsTests
{
    [Fact]
    public void Each_shard_numbers_its_messages_apart_and_knows_only_its_own()
    {
        var first = new DeliveryLedger(guilds: 2, shard: 0, shards: 3);
        var third = new DeliveryLedger(guilds: 2, shard: 2, shards: 3);

        long[] firstIds = [first.Register(0, 0, 10), first.Register(1, 3, 20)];
        long[] thirdIds = [third.Register(0, 2, 10), third.Register(1, 5, 20)];

        Assert.Equal([0L, 3L], firstIds);
        Assert.Equal([2L, 5L], thirdIds);
        Assert.Equal(2, third.ShardOf(thirdIds[1]));
        Assert.True(third.Contains(5));
        Assert.False(third.Contains(3)); // shard 0's
        Assert.False(third.Contains(8)); // shard 2's, not sent yet
        Assert.False(third.MarkDelivered(3, seq: 7));
        Assert.True(third.MarkDelivered(5, seq: 7));
        Assert.Equal((7L, 20L), (third.ById(5).Seq, third[1].IntendedMicroseconds));
        // Another shard's report that someone received it: the seq.
        Assert.True(first.MarkDelivered(3, seq: 9));
        Assert.Equal(9L, first.ById(3).Seq);
    }

    [Fact]
    public void The_receipt_book_keeps_other_shards_messages_once_each_and_never_its_own()
    {
        var book = new ReceiptBook(shard: 1, shards: 2);

        book.Record(id: 4, guild: 3, seq: 11, intendedMicroseconds: 1_000);
        book.Record(id: 4, guild: 3, seq: 11, intendedMicroseconds: 1_000); // a second member's copy
        book.Record(id: 5, guild: 3, seq: 12, intendedMicroseconds: 1_100); // shard 1's own: in its ledger
        book.Record(id: 2 * ((1L << 14) + 7), guild: 0, seq: 1, intendedMicroseconds: 5); // a later chunk
        book.Record(id: 6, guild: 0, seq: 0, intendedMicroseconds: 5); // no seq: not a delivery

        Assert.Equal([(4L, 3, 11L, 1_000L), (2 * ((1L << 14) + 7), 0, 1L, 5L)], book.All().ToList());
    }

    [Fact]
    public void A_histogram_survives_the_wire_exactly_and_sums_add_counts()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        foreach (long us in new long[] { 900, 1_200, 15_000, 250_000 }) a.Record(us);
        foreach (long us in new long[] { 1_200, 3_000_000 }) b.Record(us);
        a.TakeInterval();
        b.TakeInterval();

        var decoded = HistogramCodec.Decode(HistogramCodec.Encode(a.CopyCumulative()));
        var sum = HistogramCodec.Sum([decoded, HistogramCodec.Decode(HistogramCodec.Encode(b.CopyCumulative()))]);

        Assert.Equal(4, decoded.TotalCount);
        Assert.Equal(a.CopyCumulative().GetValueAtPercentile(99), decoded.GetValueAtPercentile(99));
        Assert.Equal(6, sum.TotalCount);
        Assert.Equal(2, sum.GetCountAtValue(1_200));
        Assert.Equal(0, HistogramCodec.Decode([]).TotalCount);
        Assert.Throws<FormatException>(() => HistogramCodec.Decode([1, 2, 3, 4, 5, 6, 7, 8]));
    }

    [Fact]
    public void A_large_histogram_survives_the_wire_too()
    {
        // Millions of deliveries spread from microseconds to seconds: a payload well over the 8 KB at which the
        // library's own decoder used to fail.
        var histogram = new LatencyHistogram();
        var random = new Random(1);
        for (int i = 0; i < 500_000; i++) histogram.Record((long)Math.Exp(random.NextDouble() * 21));
        histogram.TakeInterval();
        var original = histogram.CopyCumulative();

        byte[] bytes = HistogramCodec.Encode(original);
        var decoded = HistogramCodec.Decode(bytes);

        Assert.True(bytes.Length > 8_192, $"{bytes.Length} bytes");
        Assert.Equal(original.TotalCount, decoded.TotalCount);
        foreach (double p in new[] { 50, 90, 99, 99.9, 100 }) Assert.Equal(original.GetValueAtPercentile(p), decoded.GetValueAtPercentile(p));
    }

    [Fact]
    public void Receipts_travel_in_parts_and_the_union_has_each_message_once()
    {
        var big = new ShardReceipts { Last = true };
        for (int i = 0; i < ShardMessages.RowsPerPart + 5; i++) Add(big, i, 0, i + 1, i * 10);

        var parts = ShardMessages.Split(big).ToList();
        var gathered = new ShardReceipts();
        var ends = parts.Select(p => ShardMessages.Gather(gathered, p)).ToList();

        Assert.Equal([false, true], ends);
        Assert.Equal(big.Ids, gathered.Ids);
        Assert.Single(ShardMessages.Split(new ShardReceipts { Last = true })); // nothing received: still one (last) part
        var other = new ShardReceipts();
        Add(other, 3, 0, 4, 30);
        Add(other, -7, 1, 1, 0);
        Assert.Equal(ShardMessages.RowsPerPart + 6, ShardMessages.Union([big, other]).Ids.Count);
        var broken = new ShardReceipts();
        broken.Ids.Add(1);
        Assert.Throws<FormatException>(() => ShardMessages.Gather(new ShardReceipts(), broken));
    }

    [Fact]
    public void Guild_tops_merge_to_the_highest_per_epoch_and_raise_each_shards_own()
    {
        var a = new ShardEpochs { Maxes = { new GuildEpochMax { Guild = 0, Epoch = "e1", Max = 40 }, new GuildEpochMax { Guild = 1, Epoch = "e1", Max = 7 } } };
        var b = new ShardEpochs { Maxes = { new GuildEpochMax { Guild = 0, Epoch = "e1", Max = 42 }, new GuildEpochMax { Guild = 0, Epoch = "e2", Max = 3 } } };
        var epochs = new GuildEpochs();
        epochs.For(0, "e1").Observe(40);

        ShardMessages.Observe(epochs, ShardMessages.Merge([a, b]));

        Assert.Equal(42, epochs.For(0, "e1").Value);
        Assert.Equal(3, epochs.For(0, "e2").Value);
        Assert.Equal(7, epochs.For(1, "e1").Value);
    }

    [Fact]
    public void Tallies_add_up_counts_effects_closes_and_histograms_and_a_saturated_shard_saturates_the_storm()
    {
        var first = Tally(expected: 100, delivered: 98, latency: [1_000, 2_000], saturated: false);
        first.Effects.Add(new EffectCount { Fault = -1, Effect = (int)Effect.Lost, Count = 2 });
        first.Closes.Add(new CloseCount { Fault = 0, Close = "cut", Count = 3 });
        var second = Tally(expected: 50, delivered: 50, latency: [3_000], saturated: true);
        second.Closes.Add(new CloseCount { Fault = 0, Close = "cut", Count = 1 });
        second.Effects.Add(new EffectCount { Fault = 9, Effect = (int)Effect.Lost, Count = 1 }); // no such fault: ignored
        second.NotInjected.Add("fault 1: no admin endpoint");
        second.Notes.Add("the drain settled in 1.0 s");

        var sum = TallySum.Of([first, second], effectSlots: 2);

        Assert.Equal((150L, 148L), (sum.Expected, sum.Delivered));
        Assert.Equal(2, sum.Effects.Total(Effect.Lost));
        Assert.Equal(4, sum.Effects.Closes(0)["cut"]);
        Assert.Equal(3, sum.Latency[(int)Cohort.Healthy].TotalCount);
        Assert.Equal(30, sum.Counter(nameof(StormCounters.Sent)));
        Assert.True(sum.Generator.Saturated);
        Assert.StartsWith("Shard 1: ", sum.Generator.Reason);
        Assert.Equal(["shard 1: fault 1: no admin endpoint"], sum.NotInjected);
        Assert.Equal(["shard 1: the drain settled in 1.0 s"], sum.Notes); // a note, not a fault the plan missed
    }

    private static ShardTally Tally(long expected, long delivered, long[] latency, bool saturated)
    {
        var healthy = new LatencyHistogram();
        foreach (long us in latency) healthy.Record(us);
        healthy.TakeInterval();
        var tally = new ShardTally
        {
            Expected = expected, Delivered = delivered,
            Generator = new GeneratorTally { Saturated = saturated, Reason = saturated ? "lag" : "kept" },
        };
        tally.Counters[nameof(StormCounters.Sent)] = 15;
        tally.Latency.Add(Google.Protobuf.ByteString.CopyFrom(HistogramCodec.Encode(healthy.CopyCumulative())));
        return tally;
    }

    private static void Add(ShardReceipts receipts, long id, int guild, long seq, long intended)
    {
        receipts.Ids.Add(id);
        receipts.Guilds.Add(guild);
        receipts.Seqs.Add(seq);
        receipts.IntendedUs.Add(intended);
    }
}
