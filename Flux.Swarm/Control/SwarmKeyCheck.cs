using Flux.Protocol.Security;
using Microsoft.Extensions.Options;

namespace Flux.Swarm.Control;

/// <summary>
/// Refuses every call to this swarm process's gRPC services (SwarmControl, SwarmAgent), unary or streaming, that does
/// not present <c>Swarm:Key</c>: a caller without it can neither start a storm nor hand an agent a shard.
/// </summary>
internal sealed class SwarmKeyCheck(IOptions<SwarmOptions> options, ILogger<SwarmKeyCheck> logger) : ServiceKeyCheck(ServiceKey.Swarm, options.Value.Key)
{
    protected override void Refused(string method, string reason) => Telemetry.Log.SwarmCallRefused(logger, method, reason);
}
