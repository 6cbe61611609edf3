using Flux.Protocol.Admin;
using Flux.Testing;
using Grpc.Core;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>The storm's GC-pressure fault, through the admin API: one at a time, bounded, and over when its time is up.</summary>
public sealed class GcPressureFaultTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task One_injection_runs_at_a_time_and_the_next_may_start_once_it_is_over()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        var pressure = new InjectFaultRequest { GcPressure = new GcPressure { Seconds = 1, MegabytesPerSecond = 50 } };

        var first = await gateway.Admin.InjectFaultAsync(pressure);
        var second = await Assert.ThrowsAsync<RpcException>(() => gateway.Admin.InjectFaultAsync(pressure).ResponseAsync);
        // The gateway still answers while its collector is busy (the call throws otherwise).
        await gateway.Admin.GetStatsAsync(new GetStatsRequest());

        Assert.Contains("50", first.Description);
        Assert.Equal(StatusCode.FailedPrecondition, second.StatusCode);
        Assert.True(await Poll.UntilAsync(async () =>
        {
            try
            {
                await gateway.Admin.InjectFaultAsync(new InjectFaultRequest { GcPressure = new GcPressure { Seconds = 0.1, MegabytesPerSecond = 1 } });
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10)), "a 1 s injection was still running after 10 s");
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(301, 10)]
    [InlineData(1, 0)]
    [InlineData(1, 4097)]
    public async Task Out_of_range_pressure_is_refused_as_invalid(double seconds, double megabytesPerSecond)
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);

        var refused = await Assert.ThrowsAsync<RpcException>(() => gateway.Admin.InjectFaultAsync(
            new InjectFaultRequest { GcPressure = new GcPressure { Seconds = seconds, MegabytesPerSecond = megabytesPerSecond } }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }
}
