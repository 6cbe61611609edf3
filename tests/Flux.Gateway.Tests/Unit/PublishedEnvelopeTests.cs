using System.Text;
using Flux.Gateway.Backplane;

namespace Flux.Gateway.Tests.Unit;

/// <summary>The envelope the publish script sends: <c>seq \n epoch \n published \n traceparent \n frame</c>.</summary>
public sealed class PublishedEnvelopeTests
{
    [Fact]
    public void Every_field_is_read_and_the_frame_is_the_rest_unchanged()
    {
        const string frame = "{\"op\":\"msg\",\"d\":{\"body\":\"a\\nb\"}}";
        var payload = Encoding.UTF8.GetBytes($"42\nep1\n1764527000123456\n00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n{frame}");

        Assert.True(PublishedEnvelope.TryParse(payload, out var envelope));

        Assert.Equal(42, envelope.Seq);
        Assert.Equal("ep1", Encoding.UTF8.GetString(envelope.Epoch.Span));
        Assert.Equal(1764527000123456, envelope.PublishedUnixMicroseconds);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", Encoding.UTF8.GetString(envelope.Traceparent.Span));
        Assert.Equal(frame, Encoding.UTF8.GetString(envelope.Frame.Span));
    }

    [Fact]
    public void An_empty_traceparent_is_allowed()
    {
        Assert.True(PublishedEnvelope.TryParse(Encoding.UTF8.GetBytes("7\nep\n1\n\n{}"), out var envelope));
        Assert.True(envelope.Traceparent.IsEmpty);
        Assert.Equal("{}", Encoding.UTF8.GetString(envelope.Frame.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("x\nep\n1\n\n{}")]            // seq not a number
    [InlineData("7\n\n1\n\n{}")]              // no epoch
    [InlineData("7\nep\n\n\n{}")]             // no publish time
    [InlineData("7\nep\nsoon\n\n{}")]         // publish time not a number
    [InlineData("7\nep\n1\n{}")]              // an envelope of the old shape (no publish time): refused, not misread
    public void A_malformed_envelope_is_refused(string text)
    {
        Assert.False(PublishedEnvelope.TryParse(Encoding.UTF8.GetBytes(text), out _));
    }
}
