using System.Text;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Tests.Wire;

/// <summary>Each client op decodes to its frame; anything that is not a well-formed frame closes the connection.</summary>
public sealed class ClientFrameReaderOpTests
{
    [Fact]
    public void Identify_decodes_its_token()
    {
        var frame = ClientFrameReader.Read("""{"op":"identify","token":"abc.def.ghi"}"""u8);

        Assert.Equal(new IdentifyFrame("abc.def.ghi"), frame);
    }

    [Fact]
    public void Heartbeat_decodes_to_the_shared_instance()
    {
        var frame = ClientFrameReader.Read("""{"op":"heartbeat"}"""u8);

        Assert.Same(HeartbeatFrame.Instance, frame);
    }

    [Fact]
    public void Resume_decodes_token_session_and_every_guild_seq()
    {
        var frame = ClientFrameReader.Read("""{"op":"resume","token":"t","session":"s1","seqs":{"g1":5,"g2":0,"g3":9007199254740993}}"""u8);

        var resume = Assert.IsType<ResumeFrame>(frame);
        Assert.Equal("t", resume.Token);
        Assert.Equal("s1", resume.Session);
        Assert.Equal(3, resume.Seqs.Count);
        Assert.Equal(5, resume.Seqs["g1"]);
        Assert.Equal(0, resume.Seqs["g2"]);
        Assert.Equal(9007199254740993, resume.Seqs["g3"]);
    }

    [Fact]
    public void Resume_with_no_seqs_decodes_to_an_empty_map()
    {
        var resume = Assert.IsType<ResumeFrame>(ClientFrameReader.Read("""{"op":"resume","token":"t","session":"s","seqs":{}}"""u8));

        Assert.Empty(resume.Seqs);
    }

    [Fact]
    public void Send_decodes_every_field()
    {
        var frame = ClientFrameReader.Read(
            """{"op":"send","guild":"g1","nonce":"n-1","body":"hello","ts":1700000000123,"trace":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}"""u8);

        var send = Assert.IsType<SendFrame>(frame);
        Assert.Equal("g1", send.Guild);
        Assert.Equal("n-1", send.Nonce);
        Assert.Equal("hello", send.Body);
        Assert.Equal("1700000000123", Encoding.UTF8.GetString(send.Ts!));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", send.Trace);
    }

    [Fact]
    public void Send_without_ts_or_trace_leaves_them_null()
    {
        var send = Assert.IsType<SendFrame>(ClientFrameReader.Read("""{"op":"send","guild":"g","nonce":"n","body":""}"""u8));

        Assert.Null(send.Ts);
        Assert.Null(send.Trace);
        Assert.Equal("", send.Body);
    }

    [Fact]
    public void Field_order_does_not_matter()
    {
        var frame = ClientFrameReader.Read("""{"body":"b","nonce":"n","ts":7,"guild":"g","op":"send"}"""u8);

        var send = Assert.IsType<SendFrame>(frame);
        Assert.Equal(("g", "n", "b", "7"), (send.Guild, send.Nonce, send.Body, Encoding.UTF8.GetString(send.Ts!)));
    }

    [Fact]
    public void Unknown_extra_fields_of_any_shape_are_ignored()
    {
        var frame = ClientFrameReader.Read(
            """{"x":1,"op":"identify","client":{"name":"swarm","tags":[1,2]},"token":"t","flag":true,"none":null}"""u8);

        Assert.Equal(new IdentifyFrame("t"), frame);
    }

    [Fact]
    public void Whitespace_around_the_object_is_allowed()
    {
        Assert.Same(HeartbeatFrame.Instance, ClientFrameReader.Read(" \r\n{ \"op\" : \"heartbeat\" }\n "u8));
    }

    [Theory]
    [InlineData("""{"op":"dance"}""")]
    [InlineData("""{"op":"Send","guild":"g","nonce":"n","body":"b"}""")]
    [InlineData("""{"op":""}""")]
    [InlineData("""{"op":"msg"}""")]
    public void Unknown_op_closes_with_unknown_op(string json)
    {
        var ex = Assert.Throws<ProtocolViolationException>(() => ClientFrameReader.Read(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(CloseCodes.UnknownOp, ex.CloseCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""["op","heartbeat"]""")]
    [InlineData("\"heartbeat\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("""{"op":"heartbeat""")]
    [InlineData("""{"op":"heartbeat",}""")]
    [InlineData("""{'op':'heartbeat'}""")]
    [InlineData("""{"op":1}""")]
    [InlineData("""{"op":null}""")]
    [InlineData("""{"op":["heartbeat"]}""")]
    [InlineData("{}")]
    [InlineData("""{"token":"t"}""")]
    [InlineData("""{"op":"heartbeat"} {}""")]
    [InlineData("""{"op":"heartbeat"}x""")]
    [InlineData("""{"op":"heartbeat"}{"op":"heartbeat"}""")]
    [InlineData("""{"op":"heartbeat","deep":{"a":{"b":{"c":{"d":1}}}}}""")]
    public void Malformed_frames_close_as_undecodable(string json)
    {
        var ex = Assert.Throws<ProtocolViolationException>(() => ClientFrameReader.Read(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(CloseCodes.Undecodable, ex.CloseCode);
    }

    [Theory]
    [InlineData("""{"op":"identify"}""")]
    [InlineData("""{"op":"identify","token":null}""")]
    [InlineData("""{"op":"identify","token":12}""")]
    [InlineData("""{"op":"resume","session":"s","seqs":{}}""")]
    [InlineData("""{"op":"resume","token":"t","seqs":{}}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s"}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s","seqs":[]}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s","seqs":{"g":-1}}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s","seqs":{"g":1.5}}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s","seqs":{"g":"1"}}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s","seqs":{"g":null}}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s","seqs":{"g":99999999999999999999}}""")]
    [InlineData("""{"op":"send","nonce":"n","body":"b"}""")]
    [InlineData("""{"op":"send","guild":"g","body":"b"}""")]
    [InlineData("""{"op":"send","guild":"g","nonce":"n"}""")]
    public void Missing_or_mistyped_required_fields_close_as_undecodable(string json)
    {
        var ex = Assert.Throws<ProtocolViolationException>(() => ClientFrameReader.Read(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(CloseCodes.Undecodable, ex.CloseCode);
    }

    [Theory]
    [InlineData("""{"op":"identify","token":"#"}""")]
    [InlineData("""{"op":"send","guild":"g","nonce":"n","body":"#"}""")]
    [InlineData("""{"op":"send","guild":"g","nonce":"#","body":"b"}""")]
    [InlineData("""{"op":"send","guild":"#","nonce":"n","body":"b"}""")]
    [InlineData("""{"op":"resume","token":"t","session":"#","seqs":{}}""")]
    [InlineData("""{"op":"resume","token":"t","session":"s","seqs":{"#":1}}""")]
    public void Strings_that_are_not_valid_utf8_close_as_undecodable(string template)
    {
        foreach (byte[] invalid in new[] { new byte[] { 0xFF }, [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF] })
        {
            byte[] frame = WithBytesAt(template, '#', invalid);

            var ex = Assert.Throws<ProtocolViolationException>(() => ClientFrameReader.Read(frame));

            Assert.Equal(CloseCodes.Undecodable, ex.CloseCode);
        }
    }

    private static byte[] WithBytesAt(string template, char marker, byte[] bytes)
    {
        int at = template.IndexOf(marker, StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(template[..at]), .. bytes, .. Encoding.UTF8.GetBytes(template[(at + 1)..])];
    }
}
