using Microsoft.Extensions.Time.Testing;
using System.Text.Json;
using Flux.Protocol.Auth;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Flux.Protocol.Tests.Auth;

/// <summary>Tokens minted for simulated users carry exactly the contract's issuer, audience and claims.</summary>
public sealed class TokenIssuerTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Issue_produces_an_hs256_jwt_with_the_contract_claims()
    {
        var issuer = new TokenIssuer(SigningKey.FromBase64(SigningKey.Generate()), new FakeTimeProvider(Now));

        var jwt = new JsonWebToken(issuer.Issue("user-1", ["g1", "g2"], Tier.High, TimeSpan.FromMinutes(5)));

        Assert.Equal(TokenContract.Algorithm, jwt.Alg);
        Assert.Equal("flux", jwt.Issuer);
        Assert.Equal(["flux-gateway"], jwt.Audiences);
        Assert.Equal("user-1", jwt.Subject);
        Assert.Equal(["g1", "g2"], jwt.GetPayloadValue<string[]>(TokenContract.GuildsClaim));
        Assert.Equal("high", jwt.GetPayloadValue<string>(TokenContract.TierClaim));
        Assert.Equal(Now.AddMinutes(5).UtcDateTime, jwt.ValidTo);
        Assert.Equal(Now.UtcDateTime, jwt.IssuedAt);
    }

    [Fact]
    public void The_payload_is_the_json_the_gateway_expects()
    {
        var issuer = new TokenIssuer(SigningKey.FromBase64(SigningKey.Generate()), new FakeTimeProvider(Now));
        var jwt = new JsonWebToken(issuer.Issue("u", ["only"]));

        using var payload = JsonDocument.Parse(Base64UrlDecode(jwt.EncodedPayload));
        var root = payload.RootElement;

        Assert.Equal("flux", root.GetProperty("iss").GetString());
        Assert.Equal("flux-gateway", root.GetProperty("aud").GetString());
        Assert.Equal("u", root.GetProperty("sub").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("guilds").ValueKind);
        Assert.Equal(["only"], root.GetProperty("guilds").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("normal", root.GetProperty("tier").GetString());
        Assert.Equal(Now.AddHours(12).ToUnixTimeSeconds(), root.GetProperty("exp").GetInt64());
    }

    [Fact]
    public void A_user_with_no_guilds_gets_an_empty_guilds_array()
    {
        var issuer = new TokenIssuer(SigningKey.FromBase64(SigningKey.Generate()));
        var jwt = new JsonWebToken(issuer.Issue("u", []));

        using var payload = JsonDocument.Parse(Base64UrlDecode(jwt.EncodedPayload));

        Assert.Equal(0, payload.RootElement.GetProperty("guilds").GetArrayLength());
    }

    [Theory]
    [InlineData(Tier.Low, "low")]
    [InlineData(Tier.Normal, "normal")]
    [InlineData(Tier.High, "high")]
    public void The_tier_claim_uses_its_wire_name(Tier tier, string wire)
    {
        var issuer = new TokenIssuer(SigningKey.FromBase64(SigningKey.Generate()));

        var jwt = new JsonWebToken(issuer.Issue("u", ["g"], tier));

        Assert.Equal(wire, jwt.GetPayloadValue<string>(TokenContract.TierClaim));
        Assert.True(TierNames.TryParse(wire, out var parsed));
        Assert.Equal(tier, parsed);
    }

    private static byte[] Base64UrlDecode(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value);
}
