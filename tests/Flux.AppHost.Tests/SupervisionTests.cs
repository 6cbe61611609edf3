using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Flux.AppHost.Supervision;
using Flux.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Flux.AppHost.Tests;

/// <summary>
/// The AppHost's gateway supervisor against a gateway that crashes at start-up for a real reason: the external Redis
/// it is given may evict any key (maxmemory-policy allkeys-lru), which the gateway refuses. Each crash waits longer
/// than the last before the next start, and after Flux:Supervision:MaxCrashes the gateway is left stopped and marked.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class SupervisionTests
{
    private const int MaxCrashes = 3;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    [SkippableFact]
    public async Task A_gateway_that_crashes_at_start_up_is_restarted_with_growing_waits_then_left_stopped_and_reported()
    {
        bool required = Environment.GetEnvironmentVariable("FLUX_REQUIRE_REDIS_SERVER") == "1";
        Skip.If(!RedisServerProcess.IsRedisServerInstalled && !required, "redis-server is not on PATH (apt-get install -y redis-server); CI installs it and runs this test");
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Server);
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true"))
        {
            await admin.GetServers()[0].ConfigSetAsync("maxmemory-policy", "allkeys-lru");
        }
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Flux_AppHost>(
        [
            "Flux:Redis:Mode=external",
            $"ConnectionStrings:redis={redis.ConnectionString}",
            "Flux:Gateway:Replicas=1",
            "Flux:Dashboard:Port=0",
            $"Parameters:admin-key={FluxAppFixture.AdminKey}",
            $"Parameters:swarm-key={FluxAppFixture.SwarmKey}",
            $"Flux:Supervision:FirstDelaySeconds={FirstDelay.TotalSeconds}",
            "Flux:Supervision:MaxDelaySeconds=10",
            $"Flux:Supervision:MaxCrashes={MaxCrashes}",
            "Flux:Supervision:WindowSeconds=300",
        ]);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        await using var app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var crashes = new List<TimeSpan>();
        var starts = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        // Not awaited: the application does not finish starting while the swarm waits for a gateway that cannot start.
        var starting = app.StartAsync(timeout.Token);

        // Every transition of gateway-1, until the supervisor marks it as given up.
        string? previous = null;
        var seen = new List<string>();
        CustomResourceSnapshot? reported = null;
        await foreach (var update in app.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name != "gateway-1") continue;
            string? state = update.Snapshot.State?.Text;
            if (state != previous)
            {
                seen.Add($"{clock.Elapsed.TotalSeconds:0.0}s {state} ({update.Snapshot.ExitCode})");
                if (state == KnownResourceStates.Starting || state == KnownResourceStates.Running && previous != KnownResourceStates.Starting) starts.Add(clock.Elapsed);
                if (state is "Exited" or "Finished" && update.Snapshot.ExitCode is not (null or 0)) crashes.Add(clock.Elapsed);
                previous = state;
            }
            if (update.Snapshot.Properties.Any(p => p.Name == GatewaySupervisor.StatusProperty))
            {
                reported = update.Snapshot;
                break;
            }
        }

        Assert.NotNull(reported);
        string status = reported.Properties.Single(p => p.Name == GatewaySupervisor.StatusProperty).Value!.ToString()!;
        Assert.StartsWith($"{GatewaySupervisor.GaveUpPrefix} {MaxCrashes} crashes within 300 s", status, StringComparison.Ordinal);
        Assert.Equal(KnownResourceStateStyles.Error, reported.State?.Style);
        Assert.True(MaxCrashes == crashes.Count, $"crashes at {string.Join(", ", crashes)}; states seen: {string.Join(", ", seen)}");
        // The restarts waited 1 s, then 2 s (plus the gateway's own start-up each time): the waits grow.
        for (int i = 1; i < crashes.Count; i++)
        {
            var restartedAfter = starts.First(s => s > crashes[i - 1]) - crashes[i - 1];
            Assert.True(restartedAfter >= FirstDelay * Math.Pow(2, i - 1) - TimeSpan.FromMilliseconds(100),
                $"restart {i} came {restartedAfter} after crash {i}; crashes at {string.Join(", ", crashes)}, starts at {string.Join(", ", starts)}");
        }

        // Left stopped: nothing starts it again for longer than the longest wait it would have had.
        int startsWhenReported = starts.Count;
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        try
        {
            await foreach (var update in app.ResourceNotifications.WatchAsync(quiet.Token))
            {
                if (update.Resource.Name == "gateway-1" && update.Snapshot.State?.Text is "Starting" or "Running") starts.Add(clock.Elapsed);
            }
        }
        catch (OperationCanceledException)
        {
        }
        Assert.Equal(startsWhenReported, starts.Count);
    }
}
