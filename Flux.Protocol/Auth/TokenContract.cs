namespace Flux.Protocol.Auth;

/// <summary>What a Flux gateway token is: an HS256 JWT with these issuer, audience and claims.</summary>
public static class TokenContract
{
    public const string Issuer = "flux";
    public const string Audience = "flux-gateway";
    public const string Algorithm = "HS256";
    public const string GuildsClaim = "guilds";
    public const string TierClaim = "tier";
    public const int MinKeyBytes = 32;

    /// <summary>The configuration key that holds the base64 signing key (env: <c>Auth__SigningKey</c>).</summary>
    public const string SigningKeyConfigKey = "Auth:SigningKey";
}

/// <summary>Priority of a connection when the gateway sheds load: <c>low</c> goes first, <c>high</c> never.</summary>
public enum Tier { Low = 0, Normal = 1, High = 2 }

public static class TierNames
{
    public static string ToWire(this Tier tier) => tier switch
    {
        Tier.Low => "low",
        Tier.High => "high",
        _ => "normal",
    };

    public static bool TryParse(string? value, out Tier tier)
    {
        switch (value)
        {
            case null or "normal": tier = Tier.Normal; return true;
            case "low": tier = Tier.Low; return true;
            case "high": tier = Tier.High; return true;
            default: tier = Tier.Normal; return false;
        }
    }
}
