using Flux.Swarm.Runs;
using Flux.Testing;

namespace Flux.Swarm.Tests;

/// <summary>
/// One embedded Redis (Garnet) process and two real gateways on loopback sharing it, per test class. Storms never
/// share a guild (guild ids carry the run id), so the tests of a class can share the gateways.
/// </summary>
public sealed class GatewayPairFixture : IAsyncLifetime
{
    public RedisServerProcess Redis { get; private set; } = null!;

    public GatewayTestHost First { get; private set; } = null!;

    public GatewayTestHost Second { get; private set; } = null!;

    /// <summary>The gateways as a storm plan names them.</summary>
    public IReadOnlyList<string> WebSocketUrls => [First.WebSocketUri.ToString(), Second.WebSocketUri.ToString()];

    /// <summary>The gateways as a storm run targets them, admin clients included.</summary>
    internal IReadOnlyList<GatewayTarget> Targets =>
    [
        new("gateway 0", First.WebSocketUri, First.Admin),
        new("gateway 1", Second.WebSocketUri, Second.Admin),
    ];

    public async Task InitializeAsync()
    {
        Redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);
        First = await GatewayTestHost.StartAsync(Redis.ConnectionString);
        Second = await GatewayTestHost.StartAsync(Redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (Second is not null) await Second.DisposeAsync();
        if (First is not null) await First.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
    }
}
