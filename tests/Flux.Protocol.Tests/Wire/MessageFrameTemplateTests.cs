using System.Text;
using System.Text.Json;
using Flux.Protocol.Wire;

namespace Flux.Protocol.Tests.Wire;

/// <summary>The msg frame is encoded once, split around its seq, and spliced together by Redis.</summary>
public sealed class MessageFrameTemplateTests
{
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void Splice_produces_a_json_msg_frame_with_every_field()
    {
        var template = MessageFrameTemplate.Create("guild-1", "user-1", "nonce-1", "hello", "1700000000123"u8.ToArray(), Traceparent);

        using var json = JsonDocument.Parse(template.Splice(42));
        var root = json.RootElement;

        Assert.Equal(Ops.Message, root.GetProperty("op").GetString());
        Assert.Equal("guild-1", root.GetProperty("guild").GetString());
        Assert.Equal(42, root.GetProperty("seq").GetInt64());
        Assert.Equal("user-1", root.GetProperty("from").GetString());
        Assert.Equal("nonce-1", root.GetProperty("nonce").GetString());
        Assert.Equal("hello", root.GetProperty("body").GetString());
        Assert.Equal("1700000000123", root.GetProperty("ts").GetRawText());
        Assert.Equal(Traceparent, root.GetProperty("trace").GetString());
        Assert.Equal(8, root.EnumerateObject().Count());
    }

    [Theory]
    [InlineData("say \"hi\"")]
    [InlineData("back\\slash")]
    [InlineData("line\nbreak\ttab\r\u0000\u0001\u001f\u007f")]
    [InlineData("é漢字🙂")]
    [InlineData("</script><!-- & '")]
    [InlineData("\u2028\u2029")]
    [InlineData("")]
    public void Splice_keeps_any_text_intact(string text)
    {
        var template = MessageFrameTemplate.Create(text, text, text, text, null, null);

        using var json = JsonDocument.Parse(template.Splice(1));
        var root = json.RootElement;

        Assert.Equal(text, root.GetProperty("guild").GetString());
        Assert.Equal(text, root.GetProperty("from").GetString());
        Assert.Equal(text, root.GetProperty("nonce").GetString());
        Assert.Equal(text, root.GetProperty("body").GetString());
    }

    [Fact]
    public void Non_ascii_text_stays_valid_utf8()
    {
        byte[] frame = MessageFrameTemplate.Create("g", "u", "n", "é漢字🙂", null, null).Splice(1);

        string decoded = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(frame);

        Assert.Equal("é漢字🙂", JsonDocument.Parse(decoded).RootElement.GetProperty("body").GetString());
    }

    [Fact]
    public void A_body_of_the_maximum_length_splices_to_valid_json()
    {
        string body = string.Concat(Enumerable.Repeat("\"é\\", ProtocolLimits.MaxBodyChars / 3));

        using var json = JsonDocument.Parse(MessageFrameTemplate.Create("g", "u", "n", body, null, null).Splice(1));

        Assert.Equal(body, json.RootElement.GetProperty("body").GetString());
    }

    [Theory]
    [InlineData("1.5e3")]
    [InlineData("-0.25")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("1E+2")]
    public void Ts_is_echoed_verbatim(string ts)
    {
        byte[] frame = MessageFrameTemplate.Create("g", "u", "n", "b", Encoding.UTF8.GetBytes(ts), null).Splice(5);

        using var json = JsonDocument.Parse(frame);

        Assert.Equal(ts, json.RootElement.GetProperty("ts").GetRawText());
        Assert.Contains($"\"ts\":{ts}", Encoding.UTF8.GetString(frame), StringComparison.Ordinal);
    }

    [Fact]
    public void Ts_and_trace_are_absent_when_not_given()
    {
        using var json = JsonDocument.Parse(MessageFrameTemplate.Create("g", "u", "n", "b", null, null).Splice(5));

        Assert.False(json.RootElement.TryGetProperty("ts", out _));
        Assert.False(json.RootElement.TryGetProperty("trace", out _));
    }

    [Fact]
    public void An_empty_ts_is_treated_as_absent()
    {
        using var json = JsonDocument.Parse(MessageFrameTemplate.Create("g", "u", "n", "b", [], null).Splice(5));

        Assert.False(json.RootElement.TryGetProperty("ts", out _));
    }

    [Fact]
    public void Trace_is_present_only_when_given()
    {
        using var withTrace = JsonDocument.Parse(MessageFrameTemplate.Create("g", "u", "n", "b", null, Traceparent).Splice(5));
        using var withTs = JsonDocument.Parse(MessageFrameTemplate.Create("g", "u", "n", "b", "7"u8.ToArray(), null).Splice(5));

        Assert.Equal(Traceparent, withTrace.RootElement.GetProperty("trace").GetString());
        Assert.False(withTrace.RootElement.TryGetProperty("ts", out _));
        Assert.False(withTs.RootElement.TryGetProperty("trace", out _));
        Assert.Equal("7", withTs.RootElement.GetProperty("ts").GetRawText());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(9L)]
    [InlineData(10L)]
    [InlineData(1_000_000_007L)]
    [InlineData(long.MaxValue)]
    public void Prefix_then_seq_digits_then_suffix_equals_splice(long seq)
    {
        var template = MessageFrameTemplate.Create("guild \"x\"", "u", "n", "b", "1"u8.ToArray(), Traceparent);

        byte[] byHand = [.. template.Prefix, .. Encoding.ASCII.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. template.Suffix];

        Assert.Equal(byHand, template.Splice(seq));
        using var json = JsonDocument.Parse(byHand);
        Assert.Equal(seq, json.RootElement.GetProperty("seq").GetInt64());
    }

    [Fact]
    public void Prefix_ends_at_the_seq_value_and_suffix_continues_the_object()
    {
        var template = MessageFrameTemplate.Create("g", "u", "n", "b", null, null);

        Assert.Equal("""{"op":"msg","guild":"g","seq":""", Encoding.UTF8.GetString(template.Prefix));
        Assert.Equal(""","from":"u","nonce":"n","body":"b"}""", Encoding.UTF8.GetString(template.Suffix));
    }

    [Fact]
    public void One_template_splices_many_seqs_without_changing()
    {
        var template = MessageFrameTemplate.Create("g", "u", "n", "b", null, null);
        byte[] prefix = template.Prefix.ToArray(), suffix = template.Suffix.ToArray();

        for (long seq = 1; seq <= 3; seq++)
        {
            Assert.Equal(seq, ServerFrameReader.Read(template.Splice(seq)).Seq);
        }
        Assert.Equal(prefix, template.Prefix);
        Assert.Equal(suffix, template.Suffix);
    }

    [Fact]
    public void A_ts_that_is_not_a_single_json_value_is_refused()
    {
        Assert.ThrowsAny<JsonException>(() => MessageFrameTemplate.Create("g", "u", "n", "b", "1,\"x\":2"u8.ToArray(), null));
    }
}
