using Aspire.Hosting.Testing;

namespace Flux.AppHost.Tests;

/// <summary>The same checks with Flux:Redis:Mode=server (redis-server from PATH).</summary>
public sealed class ServerModeTests(RedisServerApp fixture) : IClassFixture<RedisServerApp>
{
    [SkippableFact]
    public async Task The_redis_connection_string_reaches_redis_server_with_pubsub_and_lua()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        string? connectionString = await fixture.App.GetConnectionStringAsync("redis");
        await BackplaneChecks.AssertServerWorksAsync(connectionString!);
    }

    [SkippableFact]
    public async Task Gateways_are_healthy_on_redis_server()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var http = fixture.App.CreateHttpClient("gateway-2", "http");
        var response = await http.GetAsync("/health");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
