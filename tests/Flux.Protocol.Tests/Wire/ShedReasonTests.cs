using Flux.Protocol.Wire;

namespace Flux.Protocol.Tests.Wire;

/// <summary>The reason of a 1013 (shed) close says how long to stay away; clients read it back (docs/protocol.md, "Load shedding").</summary>
public sealed class ShedReasonTests
{
    [Fact]
    public void Closed_and_refused_reasons_carry_the_wait_and_read_back()
    {
        Assert.Equal("shedding load; resume after 5000 ms", ShedReason.Closed(5000));
        Assert.Equal("shedding load; retry after 0 ms", ShedReason.Refused(0));
        Assert.True(ShedReason.TryGetRetryAfterMs(ShedReason.Closed(5000), out int closed));
        Assert.True(ShedReason.TryGetRetryAfterMs(ShedReason.Refused(600_000), out int refused));
        Assert.Equal((5000, 600_000), (closed, refused));
    }

    [Fact]
    public void A_wait_outside_what_a_hint_may_ask_is_written_at_its_bound()
    {
        Assert.Equal("shedding load; resume after 600000 ms", ShedReason.Closed(int.MaxValue));
        Assert.Equal("shedding load; retry after 0 ms", ShedReason.Refused(-1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("shedding load; resume later")]
    [InlineData("shedding load; resume after ms")]
    [InlineData("shedding load; resume after  ms")]
    [InlineData("shedding load; resume after -5 ms")]
    [InlineData("shedding load; resume after +5 ms")]
    [InlineData("shedding load; resume after 5.5 ms")]
    [InlineData("shedding load; resume after 5000 s")]
    [InlineData("shedding load; resume after 5000 ms, or so")]
    [InlineData("shedding load; resume after 600001 ms")]
    [InlineData("shedding load; resume after 99999999999999999999 ms")]
    [InlineData("shedding load; resume after ５０ ms")] // full-width digits are not ASCII digits
    public void A_reason_without_a_readable_wait_gives_no_hint(string reason)
    {
        Assert.False(ShedReason.TryGetRetryAfterMs(reason, out int ms));
        Assert.Equal(0, ms);
    }
}
