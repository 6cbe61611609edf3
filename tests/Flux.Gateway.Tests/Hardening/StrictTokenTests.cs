using Flux.Gateway.Auth;
using Flux.Gateway.Tests.Unit;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>A token's claims have exactly the types the contract gives them, and no header asks for more.</summary>
public sealed class StrictTokenTests
{
    private readonly Microsoft.IdentityModel.Tokens.SymmetricSecurityKey _key = SigningKey.FromBase64(SigningKey.Generate());

    public static TheoryData<string, object> WrongGuilds => new()
    {
        { "a number in the list", new object[] { "g1", 5 } },
        { "a list in the list", new object[] { "g1", new[] { "g2" } } },
        { "an object in the list", new object[] { new Dictionary<string, object> { ["id"] = "g1" } } },
        { "a null in the list", new object?[] { "g1", null }! },
        { "a string instead of a list", "g1" },
        { "a number instead of a list", 7 },
    };

    [Theory]
    [MemberData(nameof(WrongGuilds))]
    public async Task Guilds_must_be_an_array_of_strings(string what, object guilds)
    {
        string token = HandCraftedTokens.Create(_key, d => d.Claims[TokenContract.GuildsClaim] = guilds);

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => new TokenValidator(_key).ValidateAsync(token).AsTask());

        Assert.True(error.CloseCode == CloseCodes.InvalidToken, what);
    }

    [Theory]
    [InlineData(JwtRegisteredClaimNames.Exp)]
    [InlineData(JwtRegisteredClaimNames.Nbf)]
    public async Task Exp_and_nbf_must_be_numbers(string claim)
    {
        long inDate = claim == JwtRegisteredClaimNames.Exp
            ? DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()
            : DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        string token = HandCraftedTokens.Create(_key, d =>
        {
            if (claim == JwtRegisteredClaimNames.Exp) d.Expires = null;
            else d.NotBefore = null;
            d.Claims[claim] = inDate.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => new TokenValidator(_key).ValidateAsync(token).AsTask());

        Assert.Equal(CloseCodes.InvalidToken, error.CloseCode);
    }

    [Fact]
    public async Task A_token_with_a_crit_header_is_refused()
    {
        string token = HandCraftedTokens.Create(_key, d => d.AdditionalHeaderClaims = new Dictionary<string, object>
        {
            ["crit"] = new[] { "flux-extension" },
            ["flux-extension"] = true,
        });

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => new TokenValidator(_key).ValidateAsync(token).AsTask());

        Assert.Equal(CloseCodes.InvalidToken, error.CloseCode);
    }
}
