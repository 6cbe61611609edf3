using Flux.Protocol.Admin;

namespace Flux.Swarm.Runs;

/// <summary>A gateway the storm connects to, and its admin service when known (needed for GC-pressure and drain faults).</summary>
internal sealed record GatewayTarget(string Name, Uri WebSocket, GatewayAdmin.GatewayAdminClient? Admin);
