using System.Diagnostics.Metrics;
using Flux.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Flux.Gateway.Tests.Unit;

/// <summary>A gateway telemetry ledger on its own meter factory, for unit tests.</summary>
internal static class TestMetrics
{
    public static GatewayMetrics Gateway(TimeProvider? time = null) =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), time ?? new FakeTimeProvider());
}
