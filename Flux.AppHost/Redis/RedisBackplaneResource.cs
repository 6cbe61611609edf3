namespace Flux.AppHost.Redis;

/// <summary>
/// A Redis-protocol server run as a local process (embedded Garnet, or redis-server). It is itself the
/// <c>redis</c> connection-string resource, so services see the same <c>ConnectionStrings__redis</c> in every mode.
/// </summary>
internal sealed class RedisBackplaneResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    /// <summary>A cluster node's bus (node-to-node traffic), in <c>cluster</c> mode only.</summary>
    public const string BusEndpointName = "bus";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.Host)}:{Endpoint.Property(EndpointProperty.Port)}");
}
