using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Flux service shares: OpenTelemetry over OTLP (logs, metrics, traces), health endpoints,
/// service discovery and HttpClient resilience.
/// </summary>
public static class Extensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    /// <summary>Every Flux meter and activity source is named <c>Flux.&lt;Service&gt;</c>.</summary>
    public const string FluxTelemetryPrefix = "Flux.*";

    private const string LiveTag = "live";

    /// <summary>
    /// gRPC methods that are read on a timer (the dashboard's refresh every second, scripts polling a storm): they count
    /// in the request metrics but never start a trace, on either side, so the Aspire dashboard's trace list shows storms
    /// and message journeys rather than thousands of polls.
    /// </summary>
    public static readonly IReadOnlySet<string> PolledGrpcMethods = new HashSet<string>(StringComparer.Ordinal)
    {
        "/flux.admin.v1.GatewayAdmin/GetStats",
        "/flux.swarm.v1.SwarmControl/ListStorms",
        "/flux.swarm.v1.SwarmControl/GetStorm",
    };

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(FluxTelemetryPrefix))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(FluxTelemetryPrefix)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !IsUntracedPath(context.Request.Path) && !IsPolledGet(context.Request))
                .AddGrpcClientInstrumentation(grpc => grpc.Filter = request => !IsPoll(request.RequestUri))
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = request => !IsPoll(request.RequestUri)));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary><c>/health</c>: ready, every check must pass. <c>/alive</c>: the process is up.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        return app;
    }

    // Health probes and polls would flood the trace view, and a WebSocket request lives as long as its connection,
    // so a span for it says nothing; the gateway traces messages instead.
    public static bool IsUntracedPath(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath) || path.StartsWithSegments("/gateway")
        || PolledGrpcMethods.Contains(path.Value ?? "");

    /// <summary>
    /// The dashboard's storm status, <c>GET /api/storms/{id}</c>, which scripts read once a second until a storm ends
    /// (README, "Starting one"): a poll over HTTP. Starting a storm (<c>POST /api/storms</c>) is traced.
    /// </summary>
    public static bool IsPolledGet(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments("/api/storms", out var rest) && rest.Value is { Length: > 1 };

    /// <summary>Whether an outgoing request is a poll (<see cref="PolledGrpcMethods"/>) or a health probe.</summary>
    public static bool IsPoll(Uri? uri) => uri is not null && IsUntracedPath(new PathString(uri.AbsolutePath));
}
