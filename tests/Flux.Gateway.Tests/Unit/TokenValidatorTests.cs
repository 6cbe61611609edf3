using System.Security.Cryptography;
using Flux.Gateway.Auth;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Flux.Gateway.Tests.Unit;

/// <summary>Only an HS256 token of the Flux contract, signed with the shared key and in date, identifies a connection.</summary>
public sealed class TokenValidatorTests
{
    private static readonly DateTimeOffset IssuedAt = new(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly SymmetricSecurityKey _key = SigningKey.FromBase64(SigningKey.Generate());

    [Fact]
    public async Task A_valid_token_yields_the_identity_it_names()
    {
        string token = new TokenIssuer(_key).Issue("user-7", ["g1", "g2"], Tier.High);

        var identity = await new TokenValidator(_key).ValidateAsync(token);

        Assert.Equal("user-7", identity.User);
        Assert.Equal(["g1", "g2"], identity.Guilds);
        Assert.Equal(Tier.High, identity.Tier);
    }

    [Fact]
    public async Task Repeated_guilds_are_listed_once()
    {
        string token = new TokenIssuer(_key).Issue("u", ["g1", "g2", "g1", "g2", "g3"]);

        var identity = await new TokenValidator(_key).ValidateAsync(token);

        Assert.Equal(["g1", "g2", "g3"], identity.Guilds);
    }

    [Fact]
    public async Task A_token_without_a_tier_is_normal()
    {
        string token = HandCraftedTokens.Create(_key, d => d.Claims.Remove(TokenContract.TierClaim));

        var identity = await new TokenValidator(_key).ValidateAsync(token);

        Assert.Equal(Tier.Normal, identity.Tier);
    }

    [Fact]
    public async Task A_token_with_no_guilds_is_valid_with_an_empty_list()
    {
        string token = new TokenIssuer(_key).Issue("u", []);

        Assert.Empty((await new TokenValidator(_key).ValidateAsync(token)).Guilds);
    }

    [Fact]
    public async Task An_expired_token_is_refused_as_expired()
    {
        var longAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        string token = new TokenIssuer(_key, longAgo).Issue("u", ["g"], lifetime: TimeSpan.FromHours(1));

        var ex = await AssertInvalid(new TokenValidator(_key), token);

        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validators_clock_decides_the_lifetime()
    {
        string token = new TokenIssuer(_key, new FakeTimeProvider(IssuedAt)).Issue("u", ["g"], lifetime: TimeSpan.FromHours(1));

        Assert.Equal("u", (await Validator(IssuedAt.AddMinutes(30)).ValidateAsync(token)).User);
        Assert.Equal("u", (await Validator(IssuedAt.AddHours(1).AddSeconds(20)).ValidateAsync(token)).User); // within the 30 s skew
        await AssertInvalid(Validator(IssuedAt.AddHours(1).AddSeconds(31)), token);
        await AssertInvalid(Validator(IssuedAt.AddMinutes(-2)), token); // before not-before, beyond the skew
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        string token = new TokenIssuer(SigningKey.FromBase64(SigningKey.Generate())).Issue("u", ["g"]);

        await AssertInvalid(new TokenValidator(_key), token);
    }

    [Fact]
    public async Task A_token_with_a_tampered_payload_is_refused()
    {
        string token = new TokenIssuer(_key).Issue("u", ["g"]);
        string other = new TokenIssuer(_key).Issue("admin", ["g", "secret"]);
        string[] parts = token.Split('.'), otherParts = other.Split('.');

        await AssertInvalid(new TokenValidator(_key), $"{parts[0]}.{otherParts[1]}.{parts[2]}");
    }

    [Theory]
    [InlineData("flux-admin")]
    [InlineData("Flux")]
    public async Task A_token_from_another_issuer_is_refused(string issuer)
    {
        await AssertInvalid(new TokenValidator(_key), HandCraftedTokens.Create(_key, d => d.Issuer = issuer));
    }

    [Theory]
    [InlineData("flux-dashboard")]
    [InlineData("flux")]
    public async Task A_token_for_another_audience_is_refused(string audience)
    {
        await AssertInvalid(new TokenValidator(_key), HandCraftedTokens.Create(_key, d => d.Audience = audience));
    }

    [Fact]
    public async Task An_unsigned_alg_none_token_is_refused()
    {
        string token = HandCraftedTokens.Create(_key, d => d.SigningCredentials = null);
        Assert.Equal("none", new JsonWebToken(token).Alg);

        await AssertInvalid(new TokenValidator(_key), token);
    }

    [Theory]
    [InlineData(SecurityAlgorithms.HmacSha384)]
    [InlineData(SecurityAlgorithms.HmacSha512)]
    public async Task A_token_signed_with_the_right_key_but_another_algorithm_is_refused(string algorithm)
    {
        // HS384 and HS512 need keys of at least 384 and 512 bits, so this validator trusts a 64-byte key.
        var key = SigningKey.FromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        string token = HandCraftedTokens.Create(key, d => d.SigningCredentials = new SigningCredentials(key, algorithm));
        Assert.Equal(algorithm, new JsonWebToken(token).Alg);
        Assert.Equal("u", (await new TokenValidator(key).ValidateAsync(new TokenIssuer(key).Issue("u", ["g"]))).User);

        await AssertInvalid(new TokenValidator(key), token);
    }

    [Fact]
    public async Task A_token_without_an_expiry_is_refused()
    {
        await AssertInvalid(new TokenValidator(_key), HandCraftedTokens.Create(_key, d => d.Expires = null));
    }

    [Fact]
    public async Task A_token_without_a_subject_is_refused()
    {
        await AssertInvalid(new TokenValidator(_key), HandCraftedTokens.Create(_key, d => d.Claims.Remove(JwtRegisteredClaimNames.Sub)));
    }

    [Fact]
    public async Task A_token_without_guilds_is_refused()
    {
        var ex = await AssertInvalid(new TokenValidator(_key), HandCraftedTokens.Create(_key, d => d.Claims.Remove(TokenContract.GuildsClaim)));

        Assert.Contains("guilds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_with_an_empty_or_too_long_guild_id_is_refused()
    {
        var validator = new TokenValidator(_key);

        await AssertInvalid(validator, new TokenIssuer(_key).Issue("u", ["g1", ""]));
        await AssertInvalid(validator, new TokenIssuer(_key).Issue("u", [new string('g', ProtocolLimits.MaxGuildIdChars + 1)]));
        Assert.Single((await validator.ValidateAsync(new TokenIssuer(_key).Issue("u", [new string('g', ProtocolLimits.MaxGuildIdChars)]))).Guilds);
    }

    [Theory]
    [InlineData("vip")]
    [InlineData("High")]
    [InlineData("")]
    public async Task A_token_with_an_unknown_tier_is_refused(string tier)
    {
        var ex = await AssertInvalid(new TokenValidator(_key), HandCraftedTokens.Create(_key, d => d.Claims[TokenContract.TierClaim] = tier));

        Assert.Contains("tier", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9..")]
    public async Task Garbage_is_refused_as_an_invalid_token(string token)
    {
        await AssertInvalid(new TokenValidator(_key), token);
    }

    [Fact]
    public async Task A_token_above_the_size_limit_is_refused()
    {
        string token = new TokenIssuer(_key).Issue("u", Enumerable.Range(0, 2_000).Select(i => $"guild-{i}").ToArray());
        Assert.True(token.Length > 16 * 1024);

        await AssertInvalid(new TokenValidator(_key), token);
    }

    private TokenValidator Validator(DateTimeOffset now) => new(_key, new FakeTimeProvider(now));

    private static async Task<ProtocolViolationException> AssertInvalid(TokenValidator validator, string token)
    {
        var ex = await Assert.ThrowsAsync<ProtocolViolationException>(() => validator.ValidateAsync(token).AsTask());
        Assert.Equal(CloseCodes.InvalidToken, ex.CloseCode);
        return ex;
    }
}
