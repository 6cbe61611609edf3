using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flux.AppHost.Redis;

/// <summary>Healthy when the server answers a RESP <c>PING</c> with <c>+PONG</c>, the same in every Redis mode.</summary>
internal sealed class RedisPingHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    private static readonly byte[] Ping = "*1\r\n$4\r\nPING\r\n"u8.ToArray();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string? connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(connectionString))
        {
            return HealthCheckResult.Unhealthy("no connection string yet");
        }
        var (host, port) = ParseEndpoint(connectionString);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(Ping, timeout.Token).ConfigureAwait(false);
            var reply = new byte[64];
            int read = await stream.ReadAsync(reply, timeout.Token).ConfigureAwait(false);
            string text = Encoding.ASCII.GetString(reply, 0, read);
            return text.StartsWith("+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"PING answered '{text.Trim()}'");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"no answer from {host}:{port}: {ex.Message}");
        }
    }

    // "host:port[,option=value...]", as StackExchange.Redis connection strings are written.
    private static (string Host, int Port) ParseEndpoint(string connectionString)
    {
        string endpoint = connectionString.Split(',')[0].Trim();
        int colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint[(colon + 1)..], out int port)
            ? (endpoint[..colon], port)
            : (endpoint, 6379);
    }
}
