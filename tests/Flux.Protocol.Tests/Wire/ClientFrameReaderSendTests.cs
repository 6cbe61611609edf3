using System.Text;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Tests.Wire;

/// <summary>A send with a bad field is not fatal: it decodes to a rejection the gateway answers with an error frame.</summary>
public sealed class ClientFrameReaderSendTests
{
    [Theory]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("7")]
    [InlineData("{\"a\":1}")]
    public void A_nonce_that_is_empty_or_not_a_string_is_rejected_without_a_nonce(string nonceJson)
    {
        var rejected = ReadRejected($$"""{"op":"send","guild":"g","nonce":{{nonceJson}},"body":"b"}""");

        Assert.Null(rejected.Nonce);
        Assert.Equal(ErrorCodes.InvalidField, rejected.Code);
        Assert.Contains("nonce", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nonce_of_the_maximum_length_is_accepted_and_one_more_character_is_rejected()
    {
        string longest = new('n', ProtocolLimits.MaxNonceChars);
        var send = Assert.IsType<SendFrame>(Read($$"""{"op":"send","guild":"g","nonce":"{{longest}}","body":"b"}"""));
        Assert.Equal(longest, send.Nonce);

        var rejected = ReadRejected($$"""{"op":"send","guild":"g","nonce":"{{longest}}n","body":"b"}""");

        Assert.Null(rejected.Nonce);
        Assert.Equal(ErrorCodes.InvalidField, rejected.Code);
        Assert.Contains("nonce", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_of_the_maximum_length_is_accepted_and_one_more_character_is_body_too_long()
    {
        string longest = new('b', ProtocolLimits.MaxBodyChars);
        var send = Assert.IsType<SendFrame>(Read($$"""{"op":"send","guild":"g","nonce":"n","body":"{{longest}}"}"""));
        Assert.Equal(ProtocolLimits.MaxBodyChars, send.Body.Length);

        var rejected = ReadRejected($$"""{"op":"send","guild":"g","nonce":"n-7","body":"{{longest}}b"}""");

        Assert.Equal("n-7", rejected.Nonce);
        Assert.Equal(ErrorCodes.BodyTooLong, rejected.Code);
        Assert.Contains("2001", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_length_is_counted_after_unescaping()
    {
        // 2000 escaped characters take 12000 bytes on the wire but are 2000 characters of body.
        string escaped = string.Concat(Enumerable.Repeat("\\u00e9", ProtocolLimits.MaxBodyChars));

        var send = Assert.IsType<SendFrame>(Read($$"""{"op":"send","guild":"g","nonce":"n","body":"{{escaped}}"}"""));

        Assert.Equal(new string('é', ProtocolLimits.MaxBodyChars), send.Body);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("5")]
    [InlineData("[\"b\"]")]
    public void A_body_that_is_not_a_string_is_rejected_with_the_nonce(string bodyJson)
    {
        var rejected = ReadRejected($$"""{"op":"send","guild":"g","nonce":"n-1","body":{{bodyJson}}}""");

        Assert.Equal("n-1", rejected.Nonce);
        Assert.Equal(ErrorCodes.InvalidField, rejected.Code);
        Assert.Contains("body", rejected.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"1700000000000\"")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[1]")]
    public void A_ts_that_is_not_a_number_is_rejected_with_the_nonce(string tsJson)
    {
        var rejected = ReadRejected($$"""{"op":"send","guild":"g","nonce":"n-2","body":"b","ts":{{tsJson}}}""");

        Assert.Equal("n-2", rejected.Nonce);
        Assert.Equal(ErrorCodes.InvalidField, rejected.Code);
        Assert.Contains("ts", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_ts_counts_as_absent()
    {
        var send = Assert.IsType<SendFrame>(Read("""{"op":"send","guild":"g","nonce":"n","body":"b","ts":null}"""));

        Assert.Null(send.Ts);
    }

    [Theory]
    [InlineData("1.5e3")]
    [InlineData("-0")]
    [InlineData("12345678901234567890123")]
    [InlineData("0.000001")]
    [InlineData("1E+2")]
    public void Ts_keeps_the_raw_number_bytes_verbatim(string ts)
    {
        var send = Assert.IsType<SendFrame>(Read($$"""{"op":"send","guild":"g","nonce":"n","body":"b","ts":{{ts}}}"""));

        Assert.Equal(ts, Encoding.UTF8.GetString(send.Ts!));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"not-a-traceparent\"")]
    [InlineData("\"00-00000000000000000000000000000000-b7ad6b7169203331-01\"")]
    [InlineData("\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01\"")]
    [InlineData("42")]
    [InlineData("{}")]
    public void A_trace_that_is_not_a_w3c_traceparent_is_rejected_with_the_nonce(string traceJson)
    {
        var rejected = ReadRejected($$"""{"op":"send","guild":"g","nonce":"n-3","body":"b","trace":{{traceJson}}}""");

        Assert.Equal("n-3", rejected.Nonce);
        Assert.Equal(ErrorCodes.InvalidField, rejected.Code);
        Assert.Contains("trace", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_trace_counts_as_absent()
    {
        var send = Assert.IsType<SendFrame>(Read("""{"op":"send","guild":"g","nonce":"n","body":"b","trace":null}"""));

        Assert.Null(send.Trace);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("3")]
    [InlineData("[\"g\"]")]
    public void A_guild_that_is_not_a_non_empty_string_is_rejected_with_the_nonce(string guildJson)
    {
        var rejected = ReadRejected($$"""{"op":"send","guild":{{guildJson}},"nonce":"n-4","body":"b"}""");

        Assert.Equal("n-4", rejected.Nonce);
        Assert.Equal(ErrorCodes.InvalidField, rejected.Code);
        Assert.Contains("guild", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_guild_id_longer_than_the_limit_is_rejected_with_the_nonce()
    {
        string tooLong = new('g', ProtocolLimits.MaxGuildIdChars + 1);

        var rejected = ReadRejected($$"""{"op":"send","guild":"{{tooLong}}","nonce":"n-5","body":"b"}""");

        Assert.Equal("n-5", rejected.Nonce);
        Assert.Equal(ErrorCodes.InvalidField, rejected.Code);
    }

    [Fact]
    public void Escaped_strings_are_unescaped()
    {
        var send = Assert.IsType<SendFrame>(Read(
            """{"op":"send","guild":"g\u00e9","nonce":"n\"1","body":"a\\b\/c\n\t\u0001 \ud83d\ude42 \u6f22"}"""));

        Assert.Equal("gé", send.Guild);
        Assert.Equal("n\"1", send.Nonce);
        Assert.Equal("a\\b/c\n\t\u0001 🙂 漢", send.Body);
    }

    [Fact]
    public void Escaped_property_names_are_recognised()
    {
        var send = Assert.IsType<SendFrame>(Read("""{"\u006fp":"send","guild":"g","nonce":"n","b\u006fdy":"x"}"""));

        Assert.Equal("x", send.Body);
    }

    [Fact]
    public void Raw_utf8_text_decodes_unchanged()
    {
        var send = Assert.IsType<SendFrame>(Read("""{"op":"send","guild":"g","nonce":"n","body":"é漢字🙂"}"""));

        Assert.Equal("é漢字🙂", send.Body);
    }

    private static ClientFrame Read(string json) => ClientFrameReader.Read(Encoding.UTF8.GetBytes(json));

    private static RejectedSendFrame ReadRejected(string json) => Assert.IsType<RejectedSendFrame>(Read(json));
}
