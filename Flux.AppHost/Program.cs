using Microsoft.Extensions.Configuration;
using Flux.AppHost.Commands;
using Flux.AppHost.Redis;
using Flux.AppHost.Supervision;
using Flux.AppHost.Telemetry;
using Flux.Protocol.Storms;

var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: the token signing key, and the Redis backplane (Flux:Redis:Mode).
var signingKey = builder.AddParameter("signing-key",
    // 44 letters and digits are valid base64 for 33 random bytes, the key size Auth:SigningKey requires.
    new GenerateParameterDefault { MinLength = 44, Special = false }, secret: true, persist: true);
// The shared secret of every gateway's admin service (drain, shedding, faults); the swarm and the dashboard present it.
var adminKey = builder.AddParameter("admin-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
// The shared secret of the swarm's gRPC services (SwarmControl, SwarmAgent): the dashboard, the storm commands and the
// agents present it.
var swarmKey = builder.AddParameter("swarm-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var redis = builder.AddRedisBackplane("redis");

// Services: gateway replicas, each its own resource so the swarm and dashboard can reach every one of them.
var gateways = new List<IResourceBuilder<ProjectResource>>();
for (int replica = 1; replica <= builder.Configuration.GetValue("Flux:Gateway:Replicas", 2); replica++)
{
    gateways.Add(builder.AddProject<Projects.Flux_Gateway>($"gateway-{replica}", project => project.ExcludeLaunchProfile = true)
        // WebSocket traffic bypasses the DCP proxy, which costs throughput (docs/benchmarks.md).
        .WithHttpEndpoint(name: "http", isProxied: false)
        .WithHttpEndpoint(name: "grpc", env: "GRPC_PORT")
        .WithReference(redis).WaitFor(redis)
        .WithEnvironment("Auth__SigningKey", signingKey)
        .WithEnvironment("Admin__Key", adminKey)
        .WithHttpHealthCheck("/health"));
}

// A gateway that dies (a crash, or the storm's kill-gateway fault) is started again, as a real supervisor would.
builder.SuperviseGateways(gateways);

var swarm = builder.AddProject<Projects.Flux_Swarm>("swarm", project => project.ExcludeLaunchProfile = true)
    .WithHttpEndpoint(name: "http")
    .WithHttpEndpoint(name: "grpc", env: "GRPC_PORT")
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WithEnvironment("Admin__Key", adminKey)
    .WithEnvironment("Swarm__Key", swarmKey)
    .WithHttpHealthCheck("/health")
    .WithStartStormCommand(StormPresets.Seed, swarmKey)
    .WithStartStormCommand(StormPresets.Smoke, swarmKey, highlighted: false)
    .WithStartStormWithArgumentsCommand(swarmKey, gateways)
    .WithStormState(swarmKey);
for (int i = 0; i < gateways.Count; i++)
{
    swarm.WithReference(gateways[i]).WaitFor(gateways[i])
        .WithEnvironment($"Swarm__Gateways__{i}", gateways[i].Resource.Name);
}

// Flux:Swarm:Agents=N runs N swarm processes: "swarm" coordinates every storm and runs one shard of its users, and
// swarm-agent-2..N run one shard each (docs/protocol.md, "Distributed storms").
for (int agent = 2; agent <= builder.Configuration.GetValue("Flux:Swarm:Agents", 1); agent++)
{
    var shard = builder.AddProject<Projects.Flux_Swarm>($"swarm-agent-{agent}", project => project.ExcludeLaunchProfile = true)
        .WithHttpEndpoint(name: "http")
        .WithHttpEndpoint(name: "grpc", env: "GRPC_PORT")
        .WithReference(redis).WaitFor(redis)
        .WithEnvironment("Auth__SigningKey", signingKey)
        .WithEnvironment("Swarm__Key", swarmKey)
        .WithHttpHealthCheck("/health");
    // Its warm-up storm (JIT, connection pools) goes through the same gateways as the coordinator's.
    for (int i = 0; i < gateways.Count; i++)
    {
        shard.WithReference(gateways[i]).WaitFor(gateways[i]).WithEnvironment($"Swarm__Gateways__{i}", gateways[i].Resource.Name);
    }
    swarm.WaitFor(shard).WithEnvironment($"Swarm__Agents__{agent - 2}", shard.GetEndpoint("grpc"));
}

// Apps: the dashboard, on the fixed URL of the original design.
var dashboard = builder.AddProject<Projects.Flux_Dashboard>("dashboard", project => project.ExcludeLaunchProfile = true)
    .WithHttpEndpoint(name: "http", port: DashboardPort(builder), isProxied: false)
    .WithReference(swarm).WaitFor(swarm)
    .WithEnvironment("Admin__Key", adminKey)
    .WithEnvironment("Swarm__Key", swarmKey)
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Flux dashboard");
// Flux:Dashboard:Expose=true makes the dashboard listen on every address, and then every request must carry the secret
// parameter dashboard-key (open http://<host>:9090/?key=<dashboard-key> once; README, "Security").
if (builder.Configuration.GetValue("Flux:Dashboard:Expose", false))
{
    var dashboardKey = builder.AddParameter("dashboard-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
    dashboard.WithEnvironment("Dashboard__Key", dashboardKey)
        .WithEnvironment("AllowedHosts", "*")
        .WithEndpoint("http", endpoint => endpoint.TargetHost = "0.0.0.0");
}
// Traced latency spikes on the page link to their trace in the Aspire dashboard (its first URL, from the launch profile).
if (builder.Configuration["ASPNETCORE_URLS"]?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } aspireUrl)
{
    dashboard.WithEnvironment("Dashboard__AspireUrl", aspireUrl);
}
for (int i = 0; i < gateways.Count; i++)
{
    dashboard.WithReference(gateways[i]).WithEnvironment($"Dashboard__Gateways__{i}", gateways[i].Resource.Name);
}

// Metrics reach the Aspire dashboard every 5 s, not every second: ingesting them was part of the AppHost's own cost.
builder.SetMetricExportInterval();

builder.Build().Run();

// Tests run several AppHosts at once, so they set Flux:Dashboard:Port=0 for a free port.
static int? DashboardPort(IDistributedApplicationBuilder builder) =>
    builder.Configuration.GetValue("Flux:Dashboard:Port", 9090) is > 0 and var port ? port : null;
