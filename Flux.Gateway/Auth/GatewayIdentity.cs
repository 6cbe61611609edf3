using Flux.Protocol.Auth;

namespace Flux.Gateway.Auth;

/// <summary>Who a connection is, from its validated token.</summary>
internal sealed record GatewayIdentity(string User, IReadOnlyList<string> Guilds, Tier Tier);
