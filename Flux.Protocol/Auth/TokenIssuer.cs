using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flux.Protocol.Auth;

/// <summary>Mints gateway tokens. The swarm uses it for its simulated users; a real deployment's login service would too.</summary>
public sealed class TokenIssuer(SymmetricSecurityKey key, TimeProvider? time = null)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials = new(key, SecurityAlgorithms.HmacSha256);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Issue(string user, IReadOnlyCollection<string> guilds, Tier tier = Tier.Normal, TimeSpan? lifetime = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = TokenContract.Issuer,
            Audience = TokenContract.Audience,
            IssuedAt = now,
            NotBefore = now.AddMinutes(-1),
            Expires = now + (lifetime ?? TimeSpan.FromHours(12)),
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user,
                [TokenContract.GuildsClaim] = guilds.ToArray(),
                [TokenContract.TierClaim] = tier.ToWire(),
            },
        };
        return _handler.CreateToken(descriptor);
    }
}
