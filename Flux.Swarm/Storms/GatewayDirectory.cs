using System.Net;
using Flux.Protocol.Admin;
using Flux.Swarm.Runs;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Flux.Swarm.Storms;

/// <summary>
/// Finds the gateway replicas through service discovery: each name in <c>Swarm:Gateways</c> resolves to its
/// WebSocket endpoint (<c>http</c>) and its admin endpoint (<c>grpc</c>).
/// </summary>
internal sealed class GatewayDirectory(IOptions<SwarmOptions> options, ServiceEndpointResolver resolver, IConfiguration configuration) : IDisposable
{
    private readonly Dictionary<string, GrpcChannel> _channels = [];

    public IReadOnlyList<string> Names => options.Value.Gateways;

    public async Task<IReadOnlyList<GatewayTarget>> ResolveAsync(CancellationToken cancellationToken)
    {
        var targets = new List<GatewayTarget>();
        foreach (string name in options.Value.Gateways)
        {
            var http = await ResolveAsync($"http://{name}", cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"gateway '{name}' has no http endpoint in service discovery");
            var grpc = await ResolveAsync($"http://_grpc.{name}", cancellationToken).ConfigureAwait(false);
            var webSocket = new UriBuilder(http) { Scheme = "ws", Path = "/gateway", Query = "v=1" }.Uri;
            targets.Add(new GatewayTarget(name, webSocket, grpc is null ? null : Admin(name, grpc)));
        }
        return targets;
    }

    private GatewayAdmin.GatewayAdminClient Admin(string name, Uri address)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(name, out var channel) || channel.Target != address.Authority)
            {
                channel = GrpcChannel.ForAddress(address);
                _channels[name] = channel;
            }
            // Every admin call presents the shared admin key (Admin:Key), or the gateway answers UNAUTHENTICATED.
            return new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(channel, configuration[AdminKey.ConfigKey]));
        }
    }

    private async Task<Uri?> ResolveAsync(string serviceName, CancellationToken cancellationToken)
    {
        var source = await resolver.GetEndpointsAsync(serviceName, cancellationToken).ConfigureAwait(false);
        var endpoint = source.Endpoints.FirstOrDefault()?.EndPoint;
        return endpoint switch
        {
            UriEndPoint uri => uri.Uri,
            DnsEndPoint dns => new Uri($"http://{dns.Host}:{dns.Port}"),
            IPEndPoint ip => new Uri($"http://{ip}"),
            _ => null,
        };
    }

    public void Dispose()
    {
        lock (_channels)
        {
            foreach (var channel in _channels.Values) channel.Dispose();
        }
    }
}
