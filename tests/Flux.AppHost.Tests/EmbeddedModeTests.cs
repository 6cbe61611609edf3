using Aspire.Hosting.Testing;

namespace Flux.AppHost.Tests;

/// <summary>The whole AppHost in its default mode: embedded Garnet, two gateways, swarm, dashboard.</summary>
public sealed class EmbeddedModeTests(EmbeddedRedisApp fixture) : IClassFixture<EmbeddedRedisApp>
{
    [Theory]
    [InlineData("gateway-1")]
    [InlineData("gateway-2")]
    [InlineData("swarm")]
    [InlineData("dashboard")]
    public async Task Every_service_is_healthy(string resource)
    {
        using var http = fixture.App.CreateHttpClient(resource, "http");
        var response = await http.GetAsync("/health");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{resource}: {(int)response.StatusCode} {body}");
        Assert.Contains("Healthy", body);
    }

    [Fact]
    public async Task Gateways_report_redis_among_their_health_checks()
    {
        using var http = fixture.App.CreateHttpClient("gateway-1", "http");
        string body = await http.GetStringAsync("/health");
        Assert.Contains("StackExchange.Redis", body);
    }

    [Fact]
    public async Task The_redis_connection_string_reaches_a_server_with_pubsub_and_lua()
    {
        string? connectionString = await fixture.App.GetConnectionStringAsync("redis");
        Assert.False(string.IsNullOrEmpty(connectionString));
        await BackplaneChecks.AssertServerWorksAsync(connectionString!);
    }

    [Fact]
    public async Task The_start_storm_command_waits_for_the_storm_and_reports_its_verdict()
    {
        // The smoke command runs the same code as "Start seed storm", in 12 s instead of 70.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync("swarm", "start-smoke-storm", timeout.Token);

        string message = result.Message ?? "";
        Assert.Matches(@"^Storm s\w+ (passed|violated|inconclusive): ", message);
        Assert.Equal(message.Contains(" passed: ", StringComparison.Ordinal), result.Success);
        Assert.Contains("# Storm ", result.Data?.Value ?? ""); // the report, as Markdown
    }
}
