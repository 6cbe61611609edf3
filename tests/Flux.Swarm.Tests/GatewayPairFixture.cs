using Flux.Swarm.Runs;
using Flux.Testing;

namespace Flux.Swarm.Tests;

/// <summary>
/// One embedded Redis (Garnet) process and two real gateways on loopback sharing it, per test class. Storms never
/// share a guild (guild ids carry the run id), so the tests of a class can share the gateways.
/// </summary>
public class GatewayPairFixture : IAsyncLifetime
{
    /// <summary>Settings both gateways start with (Gateway:... keys), beyond the test host's own.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

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
        First = await GatewayTestHost.StartAsync(Redis.ConnectionString, Settings);
        Second = await GatewayTestHost.StartAsync(Redis.ConnectionString, Settings);
    }

    public async Task DisposeAsync()
    {
        if (Second is not null) await Second.DisposeAsync();
        if (First is not null) await First.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
    }
}

/// <summary>
/// The pair with lag thresholds out of reach: no lag (fan-out or path) raises a shedding level by itself, so only an
/// operator's level does. On a loaded CI machine the path lag of a 30-user storm reached level 1's 50 ms, escalated
/// to level 2 and shed `normal` users a test had forced no level on.
/// </summary>
public sealed class CalmGatewayPairFixture : GatewayPairFixture
{
    protected override IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Gateway:Shedding:Level1FanoutLagMs"] = "300000",
        ["Gateway:Shedding:Level2FanoutLagMs"] = "600000",
        ["Gateway:Shedding:Level1PathLagMs"] = "300000",
        ["Gateway:Shedding:Level2PathLagMs"] = "600000",
    };
}
