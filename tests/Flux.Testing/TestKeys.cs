using Flux.Protocol.Auth;

namespace Flux.Testing;

/// <summary>One signing key for a test run, and tokens minted with it.</summary>
public static class TestKeys
{
    public static readonly string SigningKey = Flux.Protocol.Auth.SigningKey.Generate();

    /// <summary>The shared secret of the gateways' admin service (<c>Admin:Key</c>) in tests.</summary>
    public static readonly string AdminKey = "test-admin-" + Guid.NewGuid().ToString("N");

    /// <summary>The shared secret of the swarm's gRPC services (<c>Swarm:Key</c>) in tests.</summary>
    public static readonly string SwarmKey = "test-swarm-" + Guid.NewGuid().ToString("N");

    public static readonly TokenIssuer Issuer = new(Flux.Protocol.Auth.SigningKey.FromBase64(SigningKey));

    public static string Token(string user, params string[] guilds) => Issuer.Issue(user, guilds);

    public static string Token(string user, Tier tier, params string[] guilds) => Issuer.Issue(user, guilds, tier);
}
