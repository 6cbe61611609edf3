using Flux.Protocol.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flux.Gateway.Tests.Unit;

/// <summary>
/// Tokens built directly with <see cref="JsonWebTokenHandler"/>: valid by the Flux contract unless a test changes
/// one thing, so each test shows exactly which broken part the gateway refuses.
/// </summary>
internal static class HandCraftedTokens
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static SecurityTokenDescriptor Descriptor(SymmetricSecurityKey key)
    {
        var now = DateTime.UtcNow;
        return new SecurityTokenDescriptor
        {
            Issuer = TokenContract.Issuer,
            Audience = TokenContract.Audience,
            IssuedAt = now,
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = "user-1",
                [TokenContract.GuildsClaim] = new[] { "g1" },
                [TokenContract.TierClaim] = "normal",
            },
        };
    }

    public static string Create(SymmetricSecurityKey key, Action<SecurityTokenDescriptor> change)
    {
        var descriptor = Descriptor(key);
        change(descriptor);
        return Handler.CreateToken(descriptor);
    }
}
