using Flux.Protocol.Auth;
using Flux.Swarm.Control;
using Flux.Swarm.Storms;
using Flux.Swarm.Visitors;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm;

/// <summary>The swarm as a service: SwarmControl over gRPC, health, telemetry. Storm history lives in Redis.</summary>
public static class SwarmApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddGrpcEndpoint();
        builder.AddRedisClient("redis", configureSettings: settings => settings.DisableTracing = true,
            configureOptions: redis => redis.AbortOnConnectFail = false);
        builder.Services.AddOptions<SwarmOptions>().BindConfiguration(SwarmOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(_ => new TokenIssuer(SigningKey.FromBase64(builder.Configuration[TokenContract.SigningKeyConfigKey])));
        builder.Services.AddSingleton<SwarmMetrics>();
        builder.Services.AddSingleton<StormHistoryStore>();
        builder.Services.AddSingleton<GatewayDirectory>();
        builder.Services.AddSingleton(sp => new StormLauncher(sp.GetRequiredService<TokenIssuer>(), sp.GetRequiredService<SwarmMetrics>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<StormLauncher>()));
        builder.Services.AddSingleton<StormRegistry>();
        builder.Services.AddSingleton(sp => new VisitorDesk(sp.GetRequiredService<StormRegistry>(), sp.GetRequiredService<GatewayDirectory>(),
            sp.GetRequiredService<TokenIssuer>(), TimeProvider.System));
        builder.Services.AddSingleton<StormWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StormWarmUp>());
        // A distributed storm's receipts travel in parts of up to ShardMessages.RowsPerPart rows.
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 64 << 20;
            // Every call, of every service and kind, must present Swarm:Key.
            grpc.Interceptors.Add<SwarmKeyCheck>();
        });

        var app = builder.Build();
        app.Services.GetRequiredService<TokenIssuer>(); // fail at start-up if the signing key is missing or bad
        app.MapDefaultEndpoints();
        app.MapGrpcService<SwarmControlService>();
        app.MapGrpcService<SwarmAgentService>();
        app.MapGet("/", () => "Flux swarm. Control it over gRPC (SwarmControl), or run a storm from the CLI: dotnet run --project Flux.Swarm -- storm --help");
        app.Lifetime.ApplicationStarted.Register(() => _ = MarkOrphansAsync(app));
        return app;
    }

    private static async Task MarkOrphansAsync(WebApplication app)
    {
        try
        {
            await app.Services.GetRequiredService<StormRegistry>().MarkOrphansAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            app.Logger.LogWarning(ex, "Could not check storm history in Redis");
        }
    }
}
