using System.Buffers.Text;
using System.Text.Json;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flux.Gateway.Auth;

/// <summary>
/// Validates identify and resume tokens with Microsoft.IdentityModel: HS256 only, issuer <c>flux</c>,
/// audience <c>flux-gateway</c>, a lifetime, and the claims in <see cref="TokenContract"/>. The claims' JSON types are
/// then checked strictly on the signed payload itself (IdentityModel would turn <c>"guilds":"g1"</c> into a list and
/// read <c>"exp":"…"</c> as a date), and a <c>crit</c> header, which asks for extensions Flux does not know, is refused.
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
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            throw Invalid("token has a 'crit' header; no extensions are supported");
        }
        if (string.IsNullOrEmpty(jwt.Subject))
        {
            throw Invalid("token has no 'sub'");
        }
        string[] guilds = ReadStrictClaims(jwt.EncodedPayload);
        string? tier = jwt.TryGetPayloadValue<string>(TokenContract.TierClaim, out var t) ? t : null;
        if (!TierNames.TryParse(tier, out var parsedTier))
        {
            throw Invalid("'tier' must be high, normal or low");
        }
        return new GatewayIdentity(jwt.Subject, guilds, parsedTier);
    }

    // Reads the signed payload as JSON: 'guilds' must be an array of strings, 'exp' and 'nbf' numbers.
    private static string[] ReadStrictClaims(string encodedPayload)
    {
        byte[] payload;
        try
        {
            payload = Base64Url.DecodeFromChars(encodedPayload);
        }
        catch (FormatException)
        {
            throw Invalid("token invalid");
        }
        string[]? guilds = null;
        var reader = new Utf8JsonReader(payload);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(TokenContract.GuildsClaim))
                {
                    reader.Read();
                    guilds = ReadGuilds(ref reader);
                }
                else if (reader.ValueTextEquals("exp"u8) || reader.ValueTextEquals("nbf"u8))
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number) throw Invalid($"'{name}' must be a number (NumericDate)");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            throw Invalid("token invalid");
        }
        return guilds ?? throw Invalid("token has no 'guilds' array");
    }

    private static string[] ReadGuilds(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Invalid("'guilds' must be an array of strings");
        var guilds = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String) throw Invalid("'guilds' must be an array of strings");
            string guild = reader.GetString()!;
            if (guild.Length is 0 or > ProtocolLimits.MaxGuildIdChars)
            {
                throw Invalid($"each guild id must have 1 to {ProtocolLimits.MaxGuildIdChars} characters");
            }
            if (!guilds.Contains(guild, StringComparer.Ordinal)) guilds.Add(guild);
        }
        return [.. guilds];
    }

    private static ProtocolViolationException Invalid(string reason) => new(CloseCodes.InvalidToken, reason);
}
