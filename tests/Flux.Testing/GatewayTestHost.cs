using Flux.Gateway;
using Flux.Protocol.Admin;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Flux.Testing;

/// <summary>A real gateway (Kestrel on loopback, real Redis) started in this process.</summary>
public sealed class GatewayTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayTestHost(WebApplication app, int httpPort, int grpcPort)
    {
        _app = app;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public Uri WebSocketUri => new($"ws://127.0.0.1:{HttpPort}/gateway?v=1");

    public Uri HttpUri => new($"http://127.0.0.1:{HttpPort}");

    public Uri GrpcUri => new($"http://127.0.0.1:{GrpcPort}");

    public IServiceProvider Services => _app.Services;

    /// <summary>A client of this instance's gRPC admin service that presents the admin key, as operators do.</summary>
    public GatewayAdmin.GatewayAdminClient Admin => _admin ??= new GatewayAdmin.GatewayAdminClient(
        GrpcChannel.ForAddress(GrpcUri).Intercept(metadata =>
        {
            metadata.Add(AdminKeyHeader, TestKeys.AdminKey);
            return metadata;
        }));

    /// <summary>A client of the admin service that presents no key.</summary>
    public GatewayAdmin.GatewayAdminClient AnonymousAdmin => new(GrpcChannel.ForAddress(GrpcUri));

    private GatewayAdmin.GatewayAdminClient? _admin;

    public const string AdminKeyHeader = "x-flux-admin-key";

    /// <param name="settings">Configuration overrides, e.g. <c>["Gateway:RateLimitSends"] = "5"</c>.</param>
    /// <param name="configure">More services, e.g. an in-memory trace exporter.</param>
    public static async Task<GatewayTestHost> StartAsync(string redisConnectionString, IDictionary<string, string?>? settings = null,
        Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        // A port that was free a moment ago can be taken by a parallel test before Kestrel binds it: pick others.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync(redisConnectionString, settings, configure).ConfigureAwait(false);
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 5)
            {
            }
        }
    }

    private static async Task<GatewayTestHost> TryStartAsync(string redisConnectionString, IDictionary<string, string?>? settings,
        Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure)
    {
        int httpPort = FreePort.Next();
        int grpcPort = FreePort.Next();
        var config = new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{httpPort}",
            ["GRPC_PORT"] = grpcPort.ToString(),
            ["ConnectionStrings:redis"] = redisConnectionString,
            ["Auth:SigningKey"] = TestKeys.SigningKey,
            ["Admin:Key"] = TestKeys.AdminKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;
        // Command-line configuration, so it is in place before the gateway reads it while building.
        var app = GatewayApp.Build(config.Select(c => $"--{c.Key}={c.Value}").ToArray(), configure);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new GatewayTestHost(app, httpPort, grpcPort);
    }

    /// <summary>Stops the gateway as SIGTERM does: drain, then shut down.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
