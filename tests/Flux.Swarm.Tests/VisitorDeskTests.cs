using Flux.Protocol.Control;
using Flux.Testing;
using Grpc.Core;

namespace Flux.Swarm.Tests;

/// <summary>
/// The swarm's visitor desk over its real gRPC service (a swarm process with no storm running and no gateway
/// configured): what a page asking for a pass is told when there is nothing to join, or it asks for the wrong thing.
/// </summary>
public sealed class VisitorDeskTests(VisitorDeskTests.Swarm swarm) : IClassFixture<VisitorDeskTests.Swarm>
{
    private SwarmControl.SwarmControlClient _control => swarm.Control;

    /// <summary>One Redis and one swarm process for the class.</summary>
    public sealed class Swarm : IAsyncLifetime
    {
        private RedisServerProcess _redis = null!;
        private SwarmAgentHost _swarm = null!;
        private Grpc.Net.Client.GrpcChannel _channel = null!;

        public SwarmControl.SwarmControlClient Control { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);
            _swarm = await SwarmAgentHost.StartAsync(_redis.ConnectionString);
            _channel = Grpc.Net.Client.GrpcChannel.ForAddress(_swarm.GrpcUri);
            Control = new SwarmControl.SwarmControlClient(Flux.Protocol.Security.ServiceKey.Swarm.Attach(_channel, TestKeys.SwarmKey));
        }

        public async Task DisposeAsync()
        {
            _channel.Dispose();
            await _swarm.DisposeAsync();
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_no_storm_running_only_the_lobby_is_offered()
    {
        var list = await _control.ListVisitorGuildsAsync(new VisitorGuildsRequest());

        Assert.Equal("", list.StormId);
        Assert.Equal("lobby", Assert.Single(list.Guilds).Id);
    }

    [Theory]
    [InlineData("", StatusCode.InvalidArgument, "name a guild")]
    [InlineData("s1-g0", StatusCode.InvalidArgument, "no storm runs now, so 's1-g0' cannot be joined")]
    [InlineData("lobby", StatusCode.FailedPrecondition, "no gateway is known to connect to")]
    public async Task A_pass_that_cannot_be_issued_is_refused_with_why(string guild, StatusCode code, string message)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await _control.IssueVisitorPassAsync(new VisitorPassRequest { Guild = guild }));

        Assert.Equal(code, refused.StatusCode);
        Assert.StartsWith(message, refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_echo_for_a_storm_or_visitor_the_swarm_does_not_know_is_not_recorded()
    {
        var reply = await _control.RecordVisitorEchoAsync(new VisitorEcho { StormId = "s-none", User = "visitor-s-none-0123abcd", Seq = 1, RoundTripMs = 12 });

        Assert.False(reply.Recorded);
    }
}
