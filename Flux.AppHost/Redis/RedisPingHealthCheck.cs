using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flux.AppHost.Redis;

/// <summary>
/// Healthy when every server of the connection string answers a RESP <c>PING</c> with <c>+PONG</c>, the same in every
/// Redis mode; for a cluster, when every node answers <c>CLUSTER INFO</c> with <c>cluster_state:ok</c>.
/// </summary>
internal sealed class RedisPingHealthCheck(IResourceWithConnectionString resource, RedisProbe? probe = null) : IHealthCheck
{
    public static readonly RedisProbe Ping = new("*1\r\n$4\r\nPING\r\n"u8.ToArray(), "+PONG");

    public static readonly RedisProbe ClusterState = new("*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n"u8.ToArray(), "cluster_state:ok");

    private readonly RedisProbe _probe = probe ?? Ping;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string? connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(connectionString))
        {
            return HealthCheckResult.Unhealthy("no connection string yet");
        }
        foreach (var (host, port) in Endpoints(connectionString))
        {
            string? problem = await ProbeAsync(host, port, cancellationToken).ConfigureAwait(false);
            if (problem is not null) return HealthCheckResult.Unhealthy(problem);
        }
        return HealthCheckResult.Healthy();
    }

    private async Task<string?> ProbeAsync(string host, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(_probe.Command, timeout.Token).ConfigureAwait(false);
            var reply = new byte[256];
            int read = await stream.ReadAsync(reply, timeout.Token).ConfigureAwait(false);
            string text = Encoding.ASCII.GetString(reply, 0, read);
            return text.Contains(_probe.Expected, StringComparison.Ordinal) ? null : $"{host}:{port} answered '{text.Trim()}'";
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return $"no answer from {host}:{port}: {ex.Message}";
        }
    }

    // "host:port[,host:port...][,option=value...]", as StackExchange.Redis connection strings are written.
    private static IEnumerable<(string Host, int Port)> Endpoints(string connectionString)
    {
        foreach (string part in connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Contains('=', StringComparison.Ordinal)) continue; // an option
            int colon = part.LastIndexOf(':');
            yield return colon > 0 && int.TryParse(part[(colon + 1)..], out int port) ? (part[..colon], port) : (part, 6379);
        }
    }
}

/// <summary>A RESP command to send, and what its reply must contain.</summary>
internal sealed record RedisProbe(byte[] Command, string Expected);
