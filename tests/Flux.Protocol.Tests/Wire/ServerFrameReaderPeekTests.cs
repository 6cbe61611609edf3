using System.Text;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Tests.Wire;

/// <summary><see cref="ServerFrameReader.Peek"/> is the swarm's hot path: msg fields as slices of the frame, no allocation.</summary>
public sealed class ServerFrameReaderPeekTests
{
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Peek_gives_every_message_field_of_a_spliced_frame()
    {
        byte[] frame = MessageFrameTemplate.Create("guild-7", "user-3", "nonce-9", "body text", "1700000000123"u8.ToArray(), Traceparent).Splice(12345);

        var op = ServerFrameReader.Peek(frame, out var message);

        Assert.Equal(ServerOp.Message, op);
        Assert.Equal("guild-7", Encoding.UTF8.GetString(message.Guild));
        Assert.Equal(12345, message.Seq);
        Assert.Equal("user-3", Encoding.UTF8.GetString(message.From));
        Assert.Equal("nonce-9", Encoding.UTF8.GetString(message.Nonce));
        Assert.Equal("1700000000123", Encoding.UTF8.GetString(message.Ts));
        Assert.Equal(Traceparent, Encoding.UTF8.GetString(message.Trace));
    }

    [Fact]
    public void Peek_leaves_ts_and_trace_empty_when_the_frame_has_none()
    {
        byte[] frame = MessageFrameTemplate.Create("g", "u", "n", "b", rawTs: null, trace: null).Splice(1);

        Assert.Equal(ServerOp.Message, ServerFrameReader.Peek(frame, out var message));
        Assert.True(message.Ts.IsEmpty);
        Assert.True(message.Trace.IsEmpty);
        Assert.Equal(1, message.Seq);
    }

    [Fact]
    public void Peek_gives_string_fields_as_raw_json_text()
    {
        byte[] frame = MessageFrameTemplate.Create("g", "say \"hi\"", "n\\1", "b", null, null).Splice(2);

        ServerFrameReader.Peek(frame, out var message);

        Assert.Equal("say \\\"hi\\\"", Encoding.UTF8.GetString(message.From));
        Assert.Equal("n\\\\1", Encoding.UTF8.GetString(message.Nonce));
    }

    [Fact]
    public void Peek_ts_is_verbatim_for_any_number_form()
    {
        byte[] frame = MessageFrameTemplate.Create("g", "u", "n", "b", "1.5e3"u8.ToArray(), null).Splice(3);

        ServerFrameReader.Peek(frame, out var message);

        Assert.Equal("1.5e3", Encoding.UTF8.GetString(message.Ts));
    }

    [Fact]
    public void Peek_does_not_depend_on_field_order()
    {
        var op = ServerFrameReader.Peek("""{"trace":"t","ts":5,"nonce":"n","body":"b","from":"u","seq":8,"guild":"g","op":"msg"}"""u8, out var message);

        Assert.Equal(ServerOp.Message, op);
        Assert.Equal("g", Encoding.UTF8.GetString(message.Guild));
        Assert.Equal(8, message.Seq);
        Assert.Equal("u", Encoding.UTF8.GetString(message.From));
        Assert.Equal("n", Encoding.UTF8.GetString(message.Nonce));
        Assert.Equal("5", Encoding.UTF8.GetString(message.Ts));
        Assert.Equal("t", Encoding.UTF8.GetString(message.Trace));
    }

    [Fact]
    public void Peek_reports_the_op_of_control_frames()
    {
        Assert.Equal(ServerOp.Hello, ServerFrameReader.Peek(ServerFrameWriter.Hello(1000, new GatewayLimits(1, 1, 256, 1, 1, 1)), out _));
        Assert.Equal(ServerOp.Ready, ServerFrameReader.Peek(ServerFrameWriter.Ready("s", "u", [new("g", 1)]), out _));
        Assert.Equal(ServerOp.Resumed, ServerFrameReader.Peek(ServerFrameWriter.Resumed(1), out _));
        Assert.Equal(ServerOp.Gap, ServerFrameReader.Peek(ServerFrameWriter.Gap("g", 1, 2), out _));
        Assert.Equal(ServerOp.Error, ServerFrameReader.Peek(ServerFrameWriter.Error("c", null, "r"), out _));
    }

    [Fact]
    public void Peek_does_not_allocate()
    {
        byte[] frame = MessageFrameTemplate.Create("guild-7", "user-3", "nonce-9", new string('x', 500), "1700000000123"u8.ToArray(), Traceparent).Splice(12345);
        long seqSum = PeekMany(frame, 10); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        seqSum += PeekMany(frame, 1_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(12345L * 1_010, seqSum);
        Assert.Equal(0, allocated);
    }

    private static long PeekMany(byte[] frame, int times)
    {
        long sum = 0;
        for (int i = 0; i < times; i++)
        {
            ServerFrameReader.Peek(frame, out var message);
            sum += message.Seq;
        }
        return sum;
    }
}
