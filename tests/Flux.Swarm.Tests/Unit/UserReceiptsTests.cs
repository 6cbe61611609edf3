using System.Text;
using Flux.Protocol.Storms.Faults;
using Flux.Protocol.Wire;
using Flux.Swarm.Runs;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// One user's receipts against Flux: what per-seq counting alone would miss. A message received again under a new seq is
/// a duplicate; a sender's messages out of the order it sent them (on one connection) are reordered; a changed
/// <c>from</c>, <c>body</c> or <c>ts</c> is corrupted; latency comes from the sender's ledger, not from the echoed ts.
/// </summary>
public sealed class UserReceiptsTests : IDisposable
{
    private readonly DetachedStorm _storm = new(3);

    public void Dispose() => _storm.Dispose();

    private StormContext Storm => _storm.Context;

    [Fact]
    public void A_message_as_sent_is_delivered_once_with_its_latency_from_the_ledger()
    {
        var receipts = Joined();
        var sent = Send(sender: 1, intendedUs: 1_000);

        Assert.True(receipts.Message(View(seq: 1, sent)));

        Assert.Equal((1L, 0L, 0L, 0L), (receipts.Delivered, receipts.Duplicates, receipts.Reordered, receipts.Corrupted));
        Assert.Equal(1, Storm.Latency[0].TakeInterval().Count);
    }

    [Fact]
    public void The_same_message_again_under_a_new_seq_is_a_duplicate()
    {
        var receipts = Joined();
        var sent = Send(sender: 1, intendedUs: 1_000);

        receipts.Message(View(seq: 1, sent));
        receipts.Message(View(seq: 2, sent)); // a retried publish: the next seq, the same nonce

        Assert.Equal((1L, 1L), (receipts.Delivered, receipts.Duplicates));
        Assert.Equal(1, Storm.Effects.Count(-1, Effect.Duplicates));
        Assert.Equal(0, receipts.Tracker!.MissingUpTo(2)); // the seq itself came: nothing is lost
    }

    [Fact]
    public void A_senders_later_message_under_a_lower_seq_is_reordered_and_the_sender_named()
    {
        var receipts = Joined();
        var first = Send(sender: 2, intendedUs: 1_000);
        var second = Send(sender: 2, intendedUs: 2_000);

        receipts.Message(View(seq: 1, second)); // published first: the connection's sends went the other way round
        receipts.Message(View(seq: 2, first));

        Assert.Equal((2L, 1L), (receipts.Delivered, receipts.Reordered));
        Assert.Equal(1, Storm.SenderOrderBreaks[2]);
    }

    [Fact]
    public void Across_a_senders_connections_no_order_is_promised()
    {
        var receipts = Joined();
        var first = Send(sender: 2, intendedUs: 1_000, connection: 1);
        var second = Send(sender: 2, intendedUs: 2_000, connection: 2);

        receipts.Message(View(seq: 1, second));
        receipts.Message(View(seq: 2, first));

        Assert.Equal(0, receipts.Reordered);
    }

    [Theory]
    [InlineData("ts")]
    [InlineData("forged ts")]
    [InlineData("body")]
    [InlineData("from")]
    public void A_changed_field_is_corrupted_and_latency_still_comes_from_the_ledger(string change)
    {
        var receipts = Joined();
        var sent = Send(sender: 1, intendedUs: 1_000);
        var view = View(seq: 1, sent);
        switch (change)
        {
            case "ts": view.Ts = default; break;
            case "forged ts": view.Ts = "999999999"u8; break;
            case "body": view.Body = "tampered"u8; break;
            case "from": view.From = "mallory"u8; break;
        }

        receipts.Message(view);

        Assert.Equal((1L, 1L), (receipts.Delivered, receipts.Corrupted));
        Assert.Equal(1, Storm.Effects.Count(-1, Effect.Corrupted));
        Assert.Equal(1, Storm.Latency[0].TakeInterval().Count);
    }

    [Fact]
    public void A_nonce_the_swarm_did_not_write_from_someone_who_is_not_a_visitor_takes_its_seq_and_is_corrupted()
    {
        var receipts = Joined();

        receipts.Message(new MessageView { Seq = 1, Nonce = "made-up"u8, From = "mallory"u8 });

        Assert.Equal((0L, 1L, 1L), (receipts.Delivered, receipts.Corrupted, receipts.Arrivals));
        Assert.Equal(0, receipts.Tracker!.MissingUpTo(1));
    }

    [Fact]
    public void A_visitors_message_takes_its_seq_and_counts_as_foreign_only()
    {
        var receipts = Joined();

        receipts.Message(new MessageView { Seq = 1, Nonce = "v-1"u8, From = Encoding.UTF8.GetBytes(Runs.VisitorBook.PrefixFor(Storm.RunId) + "0123abcd") });

        Assert.Equal((0L, 0L, 1L), (receipts.Delivered, receipts.Corrupted, Storm.Counters.VisitorDeliveries));
        Assert.Equal(0, receipts.Tracker!.MissingUpTo(1));
    }

    private Users.UserReceipts Joined()
    {
        var receipts = _storm.Users[0].Receipts;
        receipts.Joined("e1", 0, fault: -1);
        return receipts;
    }

    private Sent Send(int sender, long intendedUs, int connection = 1)
    {
        long id = Storm.Ledger.Register(guild: 0, sender, intendedUs);
        long ordinal = Storm.Ledger.ById(id).Ordinal;
        return new Sent(
            Encoding.UTF8.GetBytes(MessageSeal.Nonce(id, sender, ordinal, connection)),
            Encoding.UTF8.GetBytes(Storm.Seal.Body(id, intendedUs, sender)),
            Encoding.UTF8.GetBytes($"{Storm.RunId}-u{sender}"),
            Encoding.UTF8.GetBytes(intendedUs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static MessageView View(long seq, Sent sent) => new()
    {
        Seq = seq, Nonce = sent.Nonce, Body = sent.Body, From = sent.From, Ts = sent.Ts,
    };

    private sealed record Sent(byte[] Nonce, byte[] Body, byte[] From, byte[] Ts);
}
