using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flux.AppHost.Tests;

/// <summary>
/// Starts the real AppHost once per test class, in a given Redis mode, and waits until every resource is healthy.
/// Ports are random and the dashboard port is free-chosen, so several of these can run side by side.
/// </summary>
public abstract class FluxAppFixture(string redisMode, params string[] settings) : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public static readonly string[] Resources = ["redis", "gateway-1", "gateway-2", "swarm", "dashboard"];

    /// <summary>The admin-key parameter, set by the test so it can call the gateways' admin service as an operator.</summary>
    public const string AdminKey = "test-admin-key-0123456789abcdefghij";

    /// <summary>The swarm-key parameter, set by the test so it can call the swarm's gRPC services.</summary>
    public const string SwarmKey = "test-swarm-key-0123456789abcdefghij";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "flux-tests", $"apphost-{redisMode}-{Guid.NewGuid():N}");

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>Why the fixture did not start the application (for a skip), or null.</summary>
    public string? SkipReason { get; protected set; }

    public TimeSpan StartupTime { get; private set; }

    /// <summary>Resources this fixture's settings add, waited for like the others.</summary>
    protected virtual IEnumerable<string> ExtraResources => [];

    public virtual async Task InitializeAsync()
    {
        if (SkipReason is not null) return;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Flux_AppHost>(
        [
            $"Flux:Redis:Mode={redisMode}",
            $"Flux:Redis:DataDirectory={_dataDirectory}",
            "Flux:Dashboard:Port=0",
            $"Parameters:admin-key={AdminKey}",
            $"Parameters:swarm-key={SwarmKey}",
            .. settings,
        ]);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        App = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await App.StartAsync(timeout.Token);
        foreach (string resource in Resources.Concat(ExtraResources))
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }
        StartupTime = started.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

public sealed class EmbeddedRedisApp() : FluxAppFixture("embedded");

/// <summary>
/// redis-server from PATH. Locally the tests skip, saying why, when it is not installed;
/// CI sets FLUX_REQUIRE_REDIS_SERVER=1 so a missing redis-server fails instead.
/// </summary>
public sealed class RedisServerApp : FluxAppFixture
{
    public RedisServerApp() : base("server")
    {
        bool installed = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "redis-server")));
        bool required = Environment.GetEnvironmentVariable("FLUX_REQUIRE_REDIS_SERVER") == "1";
        if (!installed && !required) SkipReason = "redis-server is not on PATH (apt-get install -y redis-server); CI installs it and runs these tests";
    }
}

/// <summary>
/// A Redis Cluster of three redis-server masters (Flux:Redis:Mode=cluster). It skips, saying why, where redis-server
/// is not installed; CI sets FLUX_REQUIRE_REDIS_SERVER=1 so it runs there.
/// </summary>
public sealed class RedisClusterApp : FluxAppFixture
{
    public RedisClusterApp() : base("cluster")
    {
        bool installed = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "redis-server")));
        bool required = Environment.GetEnvironmentVariable("FLUX_REQUIRE_REDIS_SERVER") == "1";
        if (!installed && !required) SkipReason = "redis-server is not on PATH (apt-get install -y redis-server); CI installs it and runs these tests";
    }
}

/// <summary>Flux:Swarm:Agents=2 on the embedded server: "swarm" coordinates every storm and swarm-agent-2 runs a second shard.</summary>
public sealed class SwarmAgentsApp() : FluxAppFixture("embedded", "Flux:Swarm:Agents=2")
{
    protected override IEnumerable<string> ExtraResources => ["swarm-agent-2"];
}
