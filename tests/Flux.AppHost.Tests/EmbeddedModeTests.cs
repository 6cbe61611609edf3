using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Flux.Protocol.Admin;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flux.AppHost.Tests;

/// <summary>The whole AppHost on embedded Garnet (the default where redis-server is not installed): two gateways, swarm, dashboard.</summary>
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

    [Fact]
    public async Task The_swarm_warms_the_system_up_before_the_first_storm_and_keeps_the_warm_up_out_of_the_history()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var swarmChannel = GrpcChannel.ForAddress(fixture.App.GetEndpoint("swarm", "grpc"));
        var swarm = new Flux.Protocol.Control.SwarmControl.SwarmControlClient(Flux.Protocol.Security.ServiceKey.Swarm.Attach(swarmChannel, FluxAppFixture.SwarmKey));

        // A storm asked for at once waits for the warm-up, then runs.
        var started = await swarm.StartStormAsync(Flux.Protocol.Storms.StormPlanMapping.ToMessage(
            Flux.Protocol.Storms.StormPresets.Get(Flux.Protocol.Storms.StormPresets.Smoke)), cancellationToken: timeout.Token);
        var list = await swarm.ListStormsAsync(new Flux.Protocol.Control.ListStormsRequest { Limit = 100 }, cancellationToken: timeout.Token);

        Assert.Contains(list.Storms, s => s.Id == started.Id);
        Assert.DoesNotContain(list.Storms, s => s.Plan?.Scenario == "warm-up");
        // The warm-up (200 users at 1,000 msg/s for 8 s, half of them on each gateway) went through gateway 1.
        using var channel = GrpcChannel.ForAddress(fixture.App.GetEndpoint("gateway-1", "grpc"));
        var admin = new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(channel, FluxAppFixture.AdminKey));
        var stats = await admin.GetStatsAsync(new GetStatsRequest(), cancellationToken: timeout.Token);
        Assert.True(stats.MessagesPublished >= 2_000, $"gateway-1 published only {stats.MessagesPublished} messages");
        // Let it end, so the next test finds the swarm free.
        while ((await swarm.GetStormAsync(started, cancellationToken: timeout.Token)).Phase is not
            (Flux.Protocol.Control.StormPhase.Finished or Flux.Protocol.Control.StormPhase.Failed))
        {
            await Task.Delay(500, timeout.Token);
        }
    }

    [Fact]
    public async Task A_gateway_that_is_killed_is_started_again_by_the_supervisor()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var notifications = fixture.App.ResourceNotifications;
        using var channel = GrpcChannel.ForAddress(fixture.App.GetEndpoint("gateway-2", "grpc"));
        var admin = new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(channel, FluxAppFixture.AdminKey));

        await admin.InjectFaultAsync(new InjectFaultRequest { Kill = new Kill() }, cancellationToken: timeout.Token);

        // The process dies with SIGKILL (no drain) and the supervisor starts it again.
        var exited = await notifications.WaitForResourceAsync("gateway-2",
            e => e.Snapshot.State?.Text is "Exited" or "Finished", timeout.Token);
        Assert.NotEqual(0, exited.Snapshot.ExitCode);
        await notifications.WaitForResourceAsync("gateway-2",
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, timeout.Token);
        using var http = fixture.App.CreateHttpClient("gateway-2", "http");
        Assert.True((await http.GetAsync("/health", timeout.Token)).IsSuccessStatusCode);
    }
}
