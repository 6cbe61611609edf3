using System.Net;
using System.Net.Sockets;
using Flux.Swarm.Users;

namespace Flux.Swarm.Tests.Unit;

/// <summary>Users spread over loopback source addresses, 500 each, when the gateway is on this machine.</summary>
public sealed class SourceAddressesTests
{
    [Theory]
    [InlineData(0, "127.0.0.1")]
    [InlineData(499, "127.0.0.1")]
    [InlineData(500, "127.0.0.2")]
    [InlineData(49_999, "127.0.0.100")]
    [InlineData(254 * 500, "127.0.1.1")]
    public void Every_500_users_take_the_next_address(int user, string expected)
    {
        var route = SourceAddresses.For(new Uri("ws://127.0.0.1:5000/gateway?v=1"), user);

        Assert.Equal(IPAddress.Parse(expected), route!.Value.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5000), route.Value.Target);
    }

    [Fact]
    public void Localhost_is_reached_on_127_0_0_1_and_other_hosts_are_not_spread()
    {
        Assert.Equal(IPAddress.Loopback, SourceAddresses.For(new Uri("ws://localhost:81/gateway"), 0)!.Value.Target.Address);
        Assert.Null(SourceAddresses.For(new Uri("ws://gateway.example:81/gateway"), 0));
        Assert.Null(SourceAddresses.For(new Uri("ws://[::1]:81/gateway"), 0));
    }

    [Fact]
    public async Task A_connection_from_a_spread_address_arrives_from_that_address()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptSocketAsync();
        var route = SourceAddresses.For(new Uri($"ws://127.0.0.1:{port}/gateway?v=1"), 12_345)!.Value;

        // The handshake fails (this is no WebSocket server); what matters is where the connection came from.
        var connecting = GatewaySocket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/gateway?v=1"), new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token, route);
        using var server = await accepted.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(IPAddress.Parse("127.0.0.25"), ((IPEndPoint)server.RemoteEndPoint!).Address);
        server.Dispose();
        await Assert.ThrowsAsync<IOException>(() => connecting);
    }
}
