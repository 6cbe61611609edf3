using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using System.Reflection;

namespace Flux.AppHost.Redis;

/// <summary>
/// Adds the <c>redis</c> backplane in the mode <c>Flux:Redis:Mode</c> names. The default, <c>auto</c>, is <c>server</c>
/// when <c>redis-server</c> is on PATH and <c>embedded</c> otherwise: Redis where it is installed, Garnet where it is not.
/// On the project's 2-core machines redis-server took 6 CPU-seconds over a 10k storm where Garnet took 24, and the
/// application was ready in 15–17 s instead of 30–34 (docs/benchmarks.md, "Cold start").
/// </summary>
internal static class RedisBackplaneExtensions
{
    public const string ModeKey = "Flux:Redis:Mode";
    private const string DataDirectoryKey = "Flux:Redis:DataDirectory";
    private const string PortKey = "Flux:Redis:Port";
    public const string DurabilityKey = "Flux:Redis:Durability";

    public static IResourceBuilder<IResourceWithConnectionString> AddRedisBackplane(this IDistributedApplicationBuilder builder, string name)
    {
        string mode = builder.Configuration[ModeKey] ?? "auto";
        if (mode == "auto") mode = FindOnPath("redis-server") is null ? "embedded" : "server";
        return mode switch
        {
            "embedded" => builder.AddEmbeddedRedis(name),
            "server" => builder.AddRedisServer(name),
            "container" => builder.AddRedis(name),
            "cluster" => builder.AddRedisCluster(name),
            "external" => builder.AddConnectionString(name).WithRedisPing(),
            _ => throw new InvalidOperationException(
                $"{ModeKey} is '{mode}'; use auto (the default: server when redis-server is on PATH, else embedded), embedded (Garnet in a process), server (redis-server from PATH), cluster (a Redis Cluster of three redis-server masters), container (Docker) or external (ConnectionStrings:{name})."),
        };
    }

    /// <summary>Microsoft Garnet in the Flux.EmbeddedRedis process: no Docker, no native install.</summary>
    private static IResourceBuilder<IResourceWithConnectionString> AddEmbeddedRedis(this IDistributedApplicationBuilder builder, string name)
    {
        string assembly = typeof(RedisBackplaneExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "EmbeddedRedisAssembly").Value!;
        var resource = new RedisBackplaneResource(name, "dotnet", Path.GetDirectoryName(assembly)!);
        // "always": each reply waits for its append-only-file commit (Garnet's --aof-commit-wait).
        object[] durability = builder.DurabilityMode() == Durability.Always ? ["--aof-commit-wait"] : [];
        return builder.AddLocalRedis(resource, builder.Configuration.GetValue<int?>(PortKey), port => ["exec", assembly, "--port", port, "--data", builder.DataDirectory(name, "embedded"), .. durability]);
    }

    /// <summary><c>redis-server</c> from PATH, with an append-only file so seqs and history survive its restart.</summary>
    private static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        string data = builder.DataDirectory(name, "server");
        // By its absolute path, with DEBUG allowed from loopback: the storm's restart-redis fault sends DEBUG RESTART,
        // which re-executes the server from the path it was started with.
        var resource = new RedisBackplaneResource(name, FindOnPath("redis-server") ?? "redis-server", data);
        string fsync = builder.DurabilityMode() == Durability.Always ? "always" : "everysec";
        return builder.AddLocalRedis(resource, builder.Configuration.GetValue<int?>(PortKey), port =>
            ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", fsync, "--dir", data,
             "--enable-debug-command", "local"]);
    }

    /// <summary>
    /// A local Redis Cluster of three masters, redis-server 7 or later from PATH: the nodes <c>{name}-node-1..3</c>
    /// (each with its append-only file, as in <c>server</c> mode, and <c>cluster-require-full-coverage no</c>, so the
    /// other shards serve while one is down), and <c>{name}</c> itself, which joins them with
    /// <c>redis-cli --cluster create</c> and then stays up as the cluster's handle: its connection string names every
    /// node, and it is healthy while every node reports <c>cluster_state:ok</c>. Each AppHost run starts a fresh
    /// cluster: node ids and ports belong to one run.
    /// </summary>
    private static IResourceBuilder<IResourceWithConnectionString> AddRedisCluster(this IDistributedApplicationBuilder builder, string name)
    {
        string server = FindOnPath("redis-server") ?? throw new InvalidOperationException($"{ModeKey}=cluster needs redis-server 7 or later on PATH (apt-get install redis-server).");
        string cli = FindOnPath("redis-cli") ?? throw new InvalidOperationException($"{ModeKey}=cluster needs redis-cli on PATH (it comes with redis-server).");
        string data = builder.DataDirectory(name, "cluster");
        int? basePort = builder.Configuration.GetValue<int?>(PortKey);
        string fsync = builder.DurabilityMode() == Durability.Always ? "always" : "everysec";
        var nodes = new List<RedisBackplaneResource>();
        for (int i = 0; i < RedisClusterResource.Masters; i++)
        {
            string directory = Path.Combine(data, $"node-{i + 1}");
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
            var node = new RedisBackplaneResource($"{name}-node-{i + 1}", server, directory);
            // The cluster bus on a port of its own: by default it is the node's port + 10000, which may be taken or past 65535.
            var bus = new EndpointReference(node, RedisBackplaneResource.BusEndpointName);
            builder.AddLocalRedis(node, basePort + i, port =>
                ["--port", port, "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-port", bus.Property(EndpointProperty.TargetPort),
                 "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no",
                 "--save", "", "--appendonly", "yes", "--appendfsync", fsync, "--dir", directory, "--enable-debug-command", "local"]);
            builder.CreateResourceBuilder(node).WithEndpoint(RedisBackplaneResource.BusEndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.IsProxied = false;
            });
            nodes.Add(node);
        }
        var cluster = builder.AddResource(new RedisClusterResource(name, data, nodes))
            .WithArgs(context =>
            {
                foreach (string arg in new[] { "-c", RedisClusterResource.CreateScript, "flux-cluster", cli }) context.Args.Add(arg);
                foreach (var node in nodes) context.Args.Add(node.Endpoint.Property(EndpointProperty.TargetPort));
            });
        foreach (var node in nodes) cluster.WaitFor(builder.CreateResourceBuilder(node));
        string key = $"{name}-cluster-state";
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            key, _ => new RedisPingHealthCheck(cluster.Resource, RedisPingHealthCheck.ClusterState), failureStatus: null, tags: null));
        return cluster.WithHealthCheck(key);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRedis(
        this IDistributedApplicationBuilder builder, RedisBackplaneResource resource, int? port, Func<object, object[]> args)
    {
        var redis = builder.AddResource(resource)
            // Not proxied: the DCP proxy cut publish throughput to about a third here (docs/benchmarks.md).
            .WithEndpoint(RedisBackplaneResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.IsProxied = false;
            })
            .WithArgs(context =>
            {
                foreach (object arg in args(resource.Endpoint.Property(EndpointProperty.TargetPort))) context.Args.Add(arg);
            });
        return redis.WithRedisPing();
    }

    private static IResourceBuilder<T> WithRedisPing<T>(this IResourceBuilder<T> redis) where T : IResourceWithConnectionString
    {
        string key = $"{redis.Resource.Name}-ping";
        redis.ApplicationBuilder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            key, _ => new RedisPingHealthCheck(redis.Resource), failureStatus: null, tags: null));
        return redis.WithHealthCheck(key);
    }

    /// <summary>
    /// How much a confirmed message survives a crash of the server Flux starts: <c>everysec</c> (the default: up to about a
    /// second of confirmed messages can be lost) or <c>always</c> (nothing confirmed is lost, at a measured cost;
    /// docs/benchmarks.md). For <c>external</c> and <c>container</c> servers it is the server's own configuration.
    /// </summary>
    private static Durability DurabilityMode(this IDistributedApplicationBuilder builder) => builder.Configuration[DurabilityKey] switch
    {
        null or "" or "everysec" => Durability.EverySecond,
        "always" => Durability.Always,
        var other => throw new InvalidOperationException($"{DurabilityKey} is '{other}'; use everysec (the default) or always."),
    };

    private static string DataDirectory(this IDistributedApplicationBuilder builder, string name, string mode)
    {
        string directory = builder.Configuration[DataDirectoryKey] ?? Path.Combine(Path.GetTempPath(), "flux", $"{name}-{mode}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}

internal enum Durability { EverySecond, Always }
