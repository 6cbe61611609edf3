using Flux.Testing;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// Options are checked at start-up, nested ones included, so a bad setting stops the gateway with
/// a message that names it instead of misbehaving under load.
/// </summary>
public sealed class OptionsValidationTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("Gateway:HeartbeatIntervalMs", "5", "HeartbeatIntervalMs")]
    [InlineData("Gateway:Limits:MaxConnectionsPerUser", "0", "MaxConnectionsPerUser")]
    [InlineData("Gateway:Limits:IdentifyBurstPerIp", "-3", "IdentifyBurstPerIp")]
    [InlineData("Gateway:Shedding:Level1QueuedBytes", "0", "Level1QueuedBytes")]
    public async Task A_setting_out_of_range_stops_the_start_and_names_itself(string key, string value, string named)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayTestHost.StartAsync(redis.Redis.ConnectionString, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guild_ttl_shorter_than_twice_the_resume_window_stops_the_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayTestHost.StartAsync(redis.Redis.ConnectionString,
            new Dictionary<string, string?> { ["Gateway:HistoryTtlSeconds"] = "600", ["Gateway:ResumeWindowSeconds"] = "301" }));

        Assert.Contains("Gateway:HistoryTtlSeconds must be at least twice Gateway:ResumeWindowSeconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_endpoint_without_a_key_stops_the_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayTestHost.StartAsync(redis.Redis.ConnectionString, new Dictionary<string, string?> { ["Admin:Key"] = "" }));

        Assert.Contains("Admin:Key", error.Message, StringComparison.Ordinal);
    }
}
