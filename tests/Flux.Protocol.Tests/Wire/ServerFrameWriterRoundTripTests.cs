using System.Text;
using System.Text.Json;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Tests.Wire;

/// <summary>What the gateway writes, a client reads back field for field.</summary>
public sealed class ServerFrameWriterRoundTripTests
{
    [Fact]
    public void Hello_round_trips_the_heartbeat_interval_and_the_limits()
    {
        var limits = new GatewayLimits(Sends: 120, WindowSeconds: 60, FrameBytes: 4096, BodyChars: 2000, HeartbeatsPerInterval: 5, ConnectionsPerUser: 5);

        var frame = ServerFrameReader.Read(ServerFrameWriter.Hello(15_000, limits));

        Assert.Equal(ServerOp.Hello, frame.Op);
        Assert.Equal(15_000, frame.HeartbeatMs);
        Assert.Equal(limits, frame.Limits);
        Assert.Equal(2.0, frame.Limits!.SendsPerSecond);
    }

    [Fact]
    public void Hello_is_byte_for_byte_as_documented()
    {
        var limits = new GatewayLimits(120, 60, 4096, 2000, 5, 5);

        Assert.Equal(
            """{"op":"hello","heartbeat_ms":15000,"limits":{"sends":120,"window_s":60,"frame_bytes":4096,"body_chars":2000,"heartbeats_per_interval":5,"connections_per_user":5}}""",
            Encoding.UTF8.GetString(ServerFrameWriter.Hello(15_000, limits)));
    }

    [Fact]
    public void A_hello_without_limits_reads_as_no_limits_known()
    {
        Assert.Null(ServerFrameReader.Read("""{"op":"hello","heartbeat_ms":100}"""u8).Limits);
    }

    [Fact]
    public void Ready_round_trips_session_user_and_every_guild_in_order()
    {
        GuildPosition[] guilds = [new("g1", 0), new("guild \"two\"", 17, "Zx9-epoch"), new("g3", long.MaxValue)];

        var frame = ServerFrameReader.Read(ServerFrameWriter.Ready("session-1", "user é", guilds));

        Assert.Equal(ServerOp.Ready, frame.Op);
        Assert.Equal("session-1", frame.Session);
        Assert.Equal("user é", frame.User);
        Assert.Equal(guilds, frame.Guilds);
    }

    [Fact]
    public void Ready_with_no_guilds_round_trips_an_empty_list()
    {
        var frame = ServerFrameReader.Read(ServerFrameWriter.Ready("s", "u", []));

        Assert.Equal(ServerOp.Ready, frame.Op);
        Assert.Empty(frame.Guilds);
    }

    [Fact]
    public void Resumed_round_trips_the_replayed_count()
    {
        var frame = ServerFrameReader.Read(ServerFrameWriter.Resumed(321));

        Assert.Equal(ServerOp.Resumed, frame.Op);
        Assert.Equal(321, frame.Replayed);
    }

    [Fact]
    public void Gap_round_trips_guild_and_range()
    {
        var frame = ServerFrameReader.Read(ServerFrameWriter.Gap("g1", 10, 25));

        Assert.Equal(ServerOp.Gap, frame.Op);
        Assert.Equal("g1", frame.Guild);
        Assert.Equal(10, frame.GapFrom);
        Assert.Equal(25, frame.GapTo);
        Assert.Null(frame.From);
    }

    [Fact]
    public void Error_with_a_nonce_round_trips()
    {
        var frame = ServerFrameReader.Read(ServerFrameWriter.Error(ErrorCodes.BodyTooLong, "n-1", "too \"long\""));

        Assert.Equal(ServerOp.Error, frame.Op);
        Assert.Equal(ErrorCodes.BodyTooLong, frame.Code);
        Assert.Equal("n-1", frame.Nonce);
        Assert.Equal("too \"long\"", frame.Reason);
    }

    [Fact]
    public void Error_without_a_nonce_omits_it()
    {
        byte[] bytes = ServerFrameWriter.Error(ErrorCodes.InvalidField, null, "bad nonce");

        var frame = ServerFrameReader.Read(bytes);

        Assert.Equal(ServerOp.Error, frame.Op);
        Assert.Equal(ErrorCodes.InvalidField, frame.Code);
        Assert.Null(frame.Nonce);
        Assert.Equal("bad nonce", frame.Reason);
        using var json = JsonDocument.Parse(bytes);
        Assert.False(json.RootElement.TryGetProperty("nonce", out _));
    }

    [Fact]
    public void Heartbeat_ack_round_trips()
    {
        Assert.Equal(ServerOp.HeartbeatAck, ServerFrameReader.Read(ServerFrameWriter.HeartbeatAck).Op);
        Assert.Equal(ServerOp.HeartbeatAck, ServerFrameReader.Peek(ServerFrameWriter.HeartbeatAck, out _));
    }

    [Fact]
    public void Message_frames_round_trip_through_read()
    {
        const string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        byte[] bytes = MessageFrameTemplate.Create("g1", "user-1", "n-1", "hi \"there\" 🙂", "1.5e3"u8.ToArray(), trace).Splice(99);

        var frame = ServerFrameReader.Read(bytes);

        Assert.Equal(ServerOp.Message, frame.Op);
        Assert.Equal(("g1", 99L, "user-1", "n-1"), (frame.Guild, frame.Seq, frame.From, frame.Nonce));
        Assert.Equal("hi \"there\" 🙂", frame.Body);
        Assert.Equal("1.5e3", frame.Ts);
        Assert.Equal(trace, frame.Trace);
    }

    [Fact]
    public void Read_does_not_depend_on_field_order()
    {
        var ready = ServerFrameReader.Read(
            """{"guilds":[{"seq":4,"id":"a","extra":[1],"epoch":"e1"},{"id":"b","seq":0}],"user":"u","x":{"y":1},"session":"s","op":"ready"}"""u8);
        var gap = ServerFrameReader.Read("""{"to":9,"from":3,"guild":"g","op":"gap"}"""u8);
        var message = ServerFrameReader.Read("""{"body":"b","ts":12,"seq":5,"nonce":"n","from":"u","guild":"g","op":"msg"}"""u8);

        Assert.Equal((ServerOp.Ready, "s", "u"), (ready.Op, ready.Session, ready.User));
        Assert.Equal([new GuildPosition("a", 4, "e1"), new GuildPosition("b", 0)], ready.Guilds);
        Assert.Equal((ServerOp.Gap, "g", 3L, 9L), (gap.Op, gap.Guild, gap.GapFrom, gap.GapTo));
        Assert.Equal((ServerOp.Message, "g", 5L, "u", "n", "b", "12"), (message.Op, message.Guild, message.Seq, message.From, message.Nonce, message.Body, message.Ts));
    }

    [Fact]
    public void An_unknown_op_reads_as_unknown()
    {
        Assert.Equal(ServerOp.Unknown, ServerFrameReader.Read("""{"op":"future","data":[1,2]}"""u8).Op);
        Assert.Equal(ServerOp.Unknown, ServerFrameReader.Peek("""{"data":{"a":1},"op":"future"}"""u8, out _));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"msg\"")]
    [InlineData("")]
    public void A_frame_that_is_not_an_object_throws_json_exception(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);

        Assert.ThrowsAny<JsonException>(() => ServerFrameReader.Read(bytes));
        Assert.ThrowsAny<JsonException>(() => ServerFrameReader.Peek(bytes, out _));
    }
}
