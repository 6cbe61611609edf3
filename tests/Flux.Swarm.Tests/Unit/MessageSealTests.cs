using System.Text;
using Flux.Swarm.Runs;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The seal on every message the swarm sends to Flux: any shard of the run can check it, nothing else can forge it by accident.</summary>
public sealed class MessageSealTests
{
    private static readonly MessageSeal Seal = new("s1206abc", seed: 42, bodyBytes: 64);

    [Fact]
    public void A_nonce_reads_back_as_written_and_anything_else_does_not()
    {
        Assert.True(MessageSeal.TryParseNonce("1234.17.88.3"u8, out var nonce));
        Assert.Equal(new SealedNonce(1234, 17, 88, 3), nonce);
        Assert.Equal("1234.17.88.3", MessageSeal.Nonce(1234, 17, 88, 3));

        foreach (string other in new[] { "1234", "a-1", "1.2.3", "1.2.0.1", "1.2.3.4.5", "-1.2.3.4", "" })
        {
            Assert.False(MessageSeal.TryParseNonce(Encoding.UTF8.GetBytes(other), out _), other);
        }
    }

    [Fact]
    public void Every_shard_of_a_run_seals_alike_and_another_run_does_not()
    {
        var sameRun = new MessageSeal("s1206abc", seed: 42, bodyBytes: 64);
        var otherRun = new MessageSeal("s1206abd", seed: 42, bodyBytes: 64);

        string body = Seal.Body(7, 1_000_000, 3);

        Assert.Equal(64, body.Length);
        Assert.Equal(body, sameRun.Body(7, 1_000_000, 3));
        Assert.NotEqual(body, otherRun.Body(7, 1_000_000, 3));
        Assert.NotEqual(body, Seal.Body(7, 1_000_001, 3));
        Assert.NotEqual(body, Seal.Body(7, 1_000_000, 4));
        Assert.EndsWith(new string('x', 64 - MessageSeal.SealChars), body);
    }

    [Fact]
    public void A_delivery_matches_only_with_its_own_time_sender_and_body()
    {
        var nonce = new SealedNonce(7, 3, 1, 1);
        byte[] body = Encoding.UTF8.GetBytes(Seal.Body(7, 1_000_000, 3));

        Assert.True(Seal.Matches(nonce, 1_000_000, "1000000"u8, "s1206abc-u3"u8, body));
        Assert.False(Seal.Matches(nonce, 1_000_000, "1000001"u8, "s1206abc-u3"u8, body)); // ts rewritten
        Assert.False(Seal.Matches(nonce, 1_000_000, default, "s1206abc-u3"u8, body));     // ts dropped
        Assert.False(Seal.Matches(nonce, 1_000_000, "1000000"u8, "s1206abc-u4"u8, body)); // from rewritten
        Assert.False(Seal.Matches(nonce, 1_000_000, "1000000"u8, "s1206abc-u3"u8, "x"u8)); // body rewritten
    }

    [Fact]
    public void A_body_shorter_than_the_seal_carries_as_much_of_it_as_fits()
    {
        var tiny = new MessageSeal("s1", seed: 1, bodyBytes: 4);

        Assert.Equal(4, tiny.Body(1, 2, 3).Length);
        Assert.True(tiny.Matches(new SealedNonce(1, 3, 1, 1), 2, "2"u8, "s1-u3"u8, Encoding.UTF8.GetBytes(tiny.Body(1, 2, 3))));
    }
}
