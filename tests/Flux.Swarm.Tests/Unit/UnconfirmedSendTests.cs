using Flux.Protocol.Wire;
using Flux.Swarm.Storms;
using Flux.Swarm.Users;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// A send nobody received is unconfirmed (not lost) only when its connection ended before it could have been read: the
/// next end after it, with no later send of the same sender published before that end (the gateway reads a connection
/// in order, so a later published send proves this one was read), and that end within 1 s of it; or, when a fault
/// explains it, a shed close (1013) within 5 s or a close for Redis trouble within 10 s.
/// </summary>
public sealed class UnconfirmedSendTests
{
    private const long Second = 1_000_000;
    private const int Surge = 0;
    private const int NoFault = -1;

    [Fact]
    public void A_send_seconds_before_a_shed_close_with_nothing_published_after_it_is_unconfirmed()
    {
        var shed = new ConnectionEnd(3 * Second, Surge, CloseCodes.Shed);

        Assert.Equal(shed, StormAccounting.UnconfirmingEnd([shed], 1 * Second, publishedTimes: [0]));
    }

    [Fact]
    public void A_later_send_published_before_the_close_makes_the_earlier_one_lost()
    {
        var shed = new ConnectionEnd(3 * Second, Surge, CloseCodes.Shed);

        Assert.Null(StormAccounting.UnconfirmingEnd([shed], 1 * Second, publishedTimes: [0, 2 * Second]));
    }

    [Fact]
    public void A_send_published_after_the_close_is_another_connections_and_proves_nothing()
    {
        var shed = new ConnectionEnd(3 * Second, Surge, CloseCodes.Shed);

        Assert.Equal(shed, StormAccounting.UnconfirmingEnd([shed], 1 * Second, publishedTimes: [4 * Second]));
    }

    [Fact]
    public void A_close_no_fault_explains_or_one_too_late_leaves_the_send_lost()
    {
        Assert.Null(StormAccounting.UnconfirmingEnd([new ConnectionEnd(4 * Second, NoFault, CloseCodes.Shed)], 1 * Second, null));
        Assert.Null(StormAccounting.UnconfirmingEnd([new ConnectionEnd(7 * Second, Surge, CloseCodes.Shed)], 1 * Second, null));
    }

    [Theory]
    [InlineData(CloseCodes.Draining)]
    [InlineData(CloseCodes.SlowConsumer)]
    public void Other_closes_a_fault_explains_keep_the_cut_window_of_2_5_s(int code)
    {
        Assert.NotNull(StormAccounting.UnconfirmingEnd([new ConnectionEnd(3 * Second + Second / 2, Surge, code)], 1 * Second, null));
        Assert.Null(StormAccounting.UnconfirmingEnd([new ConnectionEnd(4 * Second, Surge, code)], 1 * Second, null));
        Assert.Null(StormAccounting.UnconfirmingEnd([new ConnectionEnd(4 * Second, Surge)], 1 * Second, null)); // a swarm cut
    }

    [Fact]
    public void A_close_for_redis_trouble_a_fault_explains_leaves_sends_of_the_last_10_s_unconfirmed()
    {
        var reset = new ConnectionEnd(9 * Second, Surge, CloseCodes.InvalidSession);

        Assert.Equal(reset, StormAccounting.UnconfirmingEnd([reset], 1 * Second, publishedTimes: [0, 10 * Second]));
    }

    [Theory]
    [InlineData(CloseCodes.InvalidSession)]
    [InlineData(CloseCodes.InternalError)]
    [InlineData(CloseCodes.Draining)]
    [InlineData(null)] // dropped, or cut
    public void For_every_close_a_later_send_published_before_it_proves_the_send_was_read_and_lost(int? code)
    {
        var end = new ConnectionEnd(1 * Second + Second / 2, Surge, code);

        Assert.Equal(end, StormAccounting.UnconfirmingEnd([end], 1 * Second, publishedTimes: [0]));
        Assert.Null(StormAccounting.UnconfirmingEnd([end], 1 * Second, publishedTimes: [1 * Second + 1]));
    }

    [Fact]
    public void Any_end_within_a_second_of_the_send_leaves_it_unconfirmed_when_nothing_later_was_published()
    {
        var dropped = new ConnectionEnd(Second + Second / 2, NoFault);

        Assert.Equal(dropped, StormAccounting.UnconfirmingEnd([dropped], 1 * Second, publishedTimes: [2 * Second]));
    }

    [Fact]
    public void Only_the_next_end_after_the_send_counts()
    {
        var earlier = new ConnectionEnd(Second / 2, Surge, CloseCodes.Shed);
        var unexplained = new ConnectionEnd(4 * Second, NoFault, CloseCodes.Shed);
        var later = new ConnectionEnd(5 * Second, Surge, CloseCodes.Shed);

        Assert.Null(StormAccounting.UnconfirmingEnd([earlier, unexplained, later], 1 * Second, null));
    }
}
