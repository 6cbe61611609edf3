using Flux.Gateway.Admin;
using Flux.Gateway.Auth;
using Flux.Gateway.Backplane;
using Flux.Gateway.Connections;
using Flux.Gateway.Fanout;
using Flux.Gateway.Limits;
using Flux.Gateway.Shedding;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Auth;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Flux.Gateway;

/// <summary>Builds the gateway: used by Program and by the integration tests, which start real instances.</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        bool adminEndpoint = builder.AddGrpcEndpoint();
        // Redis command tracing would turn every send's EVAL into a trace of its own (a thousand a second in a storm,
        // most of the Aspire dashboard's CPU); sampled messages get their own Redis span instead (RedisBackplane).
        builder.AddRedisClient("redis", configureSettings: settings => settings.DisableTracing = true, configureOptions: redis =>
        {
            redis.AbortOnConnectFail = false;
            // While Redis is down, commands fail at once (sends answer "unavailable") instead of queueing.
            redis.BacklogPolicy = BacklogPolicy.FailFast;
        });
        configure?.Invoke(builder);

        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        // A guild's keys outlive its last renewal by three quarters of the ttl at least: twice the resume window leaves
        // a user who just left time to resume into the same epoch, instead of a 4007.
        builder.Services.AddOptions<GatewayOptions>().Validate(gateway => gateway.HistoryTtlSeconds >= 2L * gateway.ResumeWindowSeconds,
            "Gateway:HistoryTtlSeconds must be at least twice Gateway:ResumeWindowSeconds: a guild's keys could otherwise expire while a session that was in it can still resume");
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        if (adminEndpoint)
        {
            builder.Services.AddOptions<AdminOptions>().Validate(admin => !string.IsNullOrEmpty(admin.Key),
                $"Admin:Key (env Admin__Key) is required when the admin endpoint (GRPC_PORT) is served: every GatewayAdmin call must present it");
        }
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var gateway = context.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
            kestrel.Limits.MaxConcurrentUpgradedConnections = gateway.Limits.MaxConnections;
            // WebSocket upgrades to /gateway are taken straight off new connections (the lean path).
            kestrel.ConfigureEndpointDefaults(listen => GatewayListener.UseOn(listen, kestrel.ApplicationServices));
            // Connections on the admin endpoint are marked, so GatewayAdmin answers there and nowhere else.
            kestrel.Configure(context.Configuration.GetSection("Kestrel"))
                .Endpoint(GrpcEndpointExtensions.GrpcEndpointName, endpoint => AdminAccess.MarkConnections(endpoint.ListenOptions));
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => new TokenValidator(SigningKey.FromBase64(builder.Configuration[TokenContract.SigningKeyConfigKey])));
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton<GatewayInstance>();
        builder.Services.AddSingleton<RedisBackplane>();
        builder.Services.AddHostedService<EvictionPolicyCheck>();
        builder.Services.AddSingleton<DelayedFanout>();
        builder.Services.AddSingleton<GuildDirectory>();
        builder.Services.AddSingleton<ConnectionRegistry>();
        builder.Services.AddSingleton<ClientLimits>();
        builder.Services.AddSingleton<LoadShedder>();
        builder.Services.AddSingleton<DrainCoordinator>();
        builder.Services.AddSingleton<GcPressureInjector>();
        builder.Services.AddSingleton<ProcessKiller>();
        builder.Services.AddSingleton<GatewayServices>();
        builder.Services.AddSingleton<GatewayListener>();
        builder.Services.AddSingleton(sp => new Flux.ServiceDefaults.SchedulingProbe(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<PathProbe>();
        builder.Services.AddSingleton<ConnectionShedder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConnectionShedder>());
        builder.Services.AddHostedService<ConnectionSweeper>();
        // Drains in StoppingAsync, before the web server stops: Kestrel still answers (503) during the drain.
        builder.Services.AddHostedService<DrainOnShutdown>();
        builder.Services.AddGrpc().AddServiceOptions<GatewayAdminService>(grpc => grpc.Interceptors.Add<AdminAccess.KeyInterceptor>());
        builder.Services.AddHealthChecks().AddCheck<DrainingHealthCheck>("draining");

        var app = builder.Build();
        // Fail at start-up, with the reason, rather than at the first identify.
        app.Services.GetRequiredService<TokenValidator>();

        app.MapDefaultEndpoints();
        app.MapGateway();
        if (adminEndpoint)
        {
            app.UseAdminEndpointOnly();
            app.MapGrpcService<GatewayAdminService>();
        }
        app.MapGet("/", () => "Flux gateway. Connect a WebSocket to /gateway?v=1; the protocol is in docs/protocol.md.");
        return app;
    }

    private sealed class DrainingHealthCheck(DrainCoordinator drain) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("draining") : HealthCheckResult.Healthy());
    }
}
