using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flux.Gateway.Auth;

/// <summary>
/// Validates identify and resume tokens with Microsoft.IdentityModel: HS256 only, issuer <c>flux</c>,
/// audience <c>flux-gateway</c>, a lifetime, and the claims in <see cref="TokenContract"/>.
/// </summary>
internal sealed class TokenValidator
{
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = 16 * 1024 };
    private readonly TokenValidationParameters _parameters;

    public TokenValidator(SymmetricSecurityKey key, TimeProvider? time = null)
    {
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = TokenContract.Issuer,
            ValidAudience = TokenContract.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        if (time is not null)
        {
            _parameters.LifetimeValidator = (notBefore, expires, _, p) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return (notBefore is null || notBefore <= now + p.ClockSkew) && expires is not null && expires > now - p.ClockSkew;
            };
        }
    }

    /// <exception cref="ProtocolViolationException">4004 when the token is invalid or expired.</exception>
    public async ValueTask<GatewayIdentity> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            throw Invalid(result.Exception is SecurityTokenExpiredException ? "token expired" : "token invalid");
        }
        if (string.IsNullOrEmpty(jwt.Subject))
        {
            throw Invalid("token has no 'sub'");
        }
        string[] guilds = ReadGuilds(jwt);
        string? tier = jwt.TryGetPayloadValue<string>(TokenContract.TierClaim, out var t) ? t : null;
        if (!TierNames.TryParse(tier, out var parsedTier))
        {
            throw Invalid("'tier' must be high, normal or low");
        }
        return new GatewayIdentity(jwt.Subject, guilds, parsedTier);
    }

    private static string[] ReadGuilds(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<string[]>(TokenContract.GuildsClaim, out var guilds) || guilds is null)
        {
            throw Invalid("token has no 'guilds' array");
        }
        foreach (string guild in guilds)
        {
            if (string.IsNullOrEmpty(guild) || guild.Length > ProtocolLimits.MaxGuildIdChars)
            {
                throw Invalid($"each guild id must have 1 to {ProtocolLimits.MaxGuildIdChars} characters");
            }
        }
        return guilds.Distinct(StringComparer.Ordinal).ToArray();
    }

    private static ProtocolViolationException Invalid(string reason) => new(CloseCodes.InvalidToken, reason);
}
