using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Serves gRPC on its own HTTP/2-only port. Plain-http Kestrel endpoints that allow HTTP/1.1 and HTTP/2
/// only speak HTTP/1.1 (h2c needs prior knowledge), and WebSockets need HTTP/1.1, so the two cannot share a port.
/// </summary>
public static class GrpcEndpointExtensions
{
    /// <summary>The port variable Aspire sets for an endpoint declared with <c>env: "GRPC_PORT"</c>.</summary>
    public const string GrpcPortVariable = "GRPC_PORT";

    /// <summary>The Kestrel endpoint name of the gRPC port (<c>Kestrel:Endpoints:grpc</c>).</summary>
    public const string GrpcEndpointName = "grpc";

    /// <summary>
    /// When <c>GRPC_PORT</c> is set, listens on it with HTTP/2 only, and keeps listening on the usual
    /// <c>ASPNETCORE_URLS</c> (explicit Kestrel endpoints would otherwise replace them).
    /// Returns whether a gRPC endpoint was configured.
    /// </summary>
    public static bool AddGrpcEndpoint(this WebApplicationBuilder builder)
    {
        string? grpcPort = builder.Configuration[GrpcPortVariable];
        if (string.IsNullOrWhiteSpace(grpcPort))
        {
            return false;
        }

        string urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "http://localhost:5000";
        var endpoints = new Dictionary<string, string?>();
        int i = 0;
        foreach (string url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            endpoints[$"Kestrel:Endpoints:http{i}:Url"] = url;
            endpoints[$"Kestrel:Endpoints:http{i}:Protocols"] = "Http1";
            i++;
        }
        string grpcHost = grpcPort == "0" ? "127.0.0.1" : "localhost";
        endpoints[$"Kestrel:Endpoints:{GrpcEndpointName}:Url"] = $"http://{grpcHost}:{grpcPort}";
        endpoints[$"Kestrel:Endpoints:{GrpcEndpointName}:Protocols"] = "Http2";
        builder.Configuration.AddInMemoryCollection(endpoints);
        return true;
    }
}
