using Flux.Dashboard.Security;
using Microsoft.Extensions.Configuration;

namespace Flux.Dashboard.Tests;

/// <summary>The dashboard listens on loopback only, unless it has a key: anything else refuses to start.</summary>
public sealed class DashboardExposureTests
{
    [Theory]
    [InlineData("urls", "http://localhost:9090", null, false)]
    [InlineData("urls", "http://127.0.0.1:9090;http://[::1]:9090", null, false)]
    [InlineData("urls", "http://0.0.0.0:9090", null, true)]
    [InlineData("urls", "http://*:9090", null, true)]
    [InlineData("urls", "http://+:9090", null, true)]
    [InlineData("urls", "http://192.168.1.20:9090", null, true)]
    [InlineData("ASPNETCORE_URLS", "http://0.0.0.0:9090", null, true)]
    [InlineData("HTTP_PORTS", "8080", null, true)]
    [InlineData("urls", "http://0.0.0.0:9090", "a-key-of-sixteen-chars", false)]
    public void Listening_off_loopback_needs_a_key(string setting, string value, string? key, bool refused)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();

        Assert.Equal(refused, DashboardExposure.Refusal(configuration, key) is not null);
    }
}
