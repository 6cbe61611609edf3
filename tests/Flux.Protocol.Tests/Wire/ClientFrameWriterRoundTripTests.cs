using System.Text;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Tests.Wire;

/// <summary>What the swarm's simulated users write is exactly what the gateway reads.</summary>
public sealed class ClientFrameWriterRoundTripTests
{
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Heartbeat_round_trips()
    {
        Assert.Same(HeartbeatFrame.Instance, ClientFrameReader.Read(ClientFrameWriter.Heartbeat));
    }

    [Theory]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig")]
    [InlineData("with \"quotes\" and \\ and é")]
    public void Identify_round_trips(string token)
    {
        Assert.Equal(new IdentifyFrame(token), ClientFrameReader.Read(ClientFrameWriter.Identify(token)));
    }

    [Fact]
    public void Resume_round_trips_every_seq()
    {
        var seqs = new Dictionary<string, long> { ["g1"] = 0, ["guild \"two\""] = 42, ["g3"] = long.MaxValue };

        var resume = Assert.IsType<ResumeFrame>(ClientFrameReader.Read(ClientFrameWriter.Resume("tok", "sess", seqs)));

        Assert.Equal("tok", resume.Token);
        Assert.Equal("sess", resume.Session);
        Assert.Equal(seqs.OrderBy(p => p.Key), resume.Seqs.OrderBy(p => p.Key));
    }

    [Fact]
    public void Resume_with_no_guilds_round_trips()
    {
        var resume = Assert.IsType<ResumeFrame>(ClientFrameReader.Read(ClientFrameWriter.Resume("t", "s", [])));

        Assert.Empty(resume.Seqs);
    }

    [Fact]
    public void Send_with_every_field_round_trips()
    {
        const string body = "quote \" backslash \\ newline \n control \u0001 é漢字🙂";

        var send = Assert.IsType<SendFrame>(ClientFrameReader.Read(
            ClientFrameWriter.Send("guild-1", "nonce-1", body, ts: 1_700_000_000_123, trace: Traceparent)));

        Assert.Equal("guild-1", send.Guild);
        Assert.Equal("nonce-1", send.Nonce);
        Assert.Equal(body, send.Body);
        Assert.Equal("1700000000123", Encoding.UTF8.GetString(send.Ts!));
        Assert.Equal(Traceparent, send.Trace);
    }

    [Fact]
    public void Send_without_ts_or_trace_round_trips_without_them()
    {
        var send = Assert.IsType<SendFrame>(ClientFrameReader.Read(ClientFrameWriter.Send("g", "n", "b")));

        Assert.Equal(("g", "n", "b"), (send.Guild, send.Nonce, send.Body));
        Assert.Null(send.Ts);
        Assert.Null(send.Trace);
    }

    [Fact]
    public void Send_with_a_negative_ts_round_trips()
    {
        var send = Assert.IsType<SendFrame>(ClientFrameReader.Read(ClientFrameWriter.Send("g", "n", "b", ts: -5)));

        Assert.Equal("-5", Encoding.UTF8.GetString(send.Ts!));
    }

    [Fact]
    public void Send_with_the_longest_allowed_body_round_trips()
    {
        string body = new('x', ProtocolLimits.MaxBodyChars);

        var send = Assert.IsType<SendFrame>(ClientFrameReader.Read(ClientFrameWriter.Send("g", "n", body)));

        Assert.Equal(body, send.Body);
    }
}
