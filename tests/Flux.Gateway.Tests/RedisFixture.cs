using Flux.Testing;

namespace Flux.Gateway.Tests;

/// <summary>One embedded Redis (Garnet) process per test class.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServerProcess Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);

    public async Task DisposeAsync() => await Redis.DisposeAsync();

    /// <summary>A guild id no other test uses, so tests can share the server.</summary>
    public static string NewGuild() => "g-" + Guid.NewGuid().ToString("N")[..12];
}
