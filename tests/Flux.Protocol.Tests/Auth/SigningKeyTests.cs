using Flux.Protocol.Auth;

namespace Flux.Protocol.Tests.Auth;

/// <summary>A missing or weak signing key stops the service at start-up with a message that says what to set.</summary>
public sealed class SigningKeyTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_key_names_the_setting_to_configure(string? value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SigningKey.FromBase64(value));

        Assert.Contains(TokenContract.SigningKeyConfigKey, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Auth__SigningKey", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{TokenContract.MinKeyBytes}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("abc")]
    [InlineData("####")]
    public void A_key_that_is_not_base64_says_so(string value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SigningKey.FromBase64(value));

        Assert.Contains(TokenContract.SigningKeyConfigKey, ex.Message, StringComparison.Ordinal);
        Assert.Contains("base64", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(31)]
    public void A_key_shorter_than_the_minimum_reports_its_length(int length)
    {
        string value = Convert.ToBase64String(new byte[length]);

        var ex = Assert.Throws<InvalidOperationException>(() => SigningKey.FromBase64(value));

        Assert.Contains($"{length} bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"at least {TokenContract.MinKeyBytes}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void A_key_of_at_least_the_minimum_length_is_accepted(int length)
    {
        byte[] bytes = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

        var key = SigningKey.FromBase64(Convert.ToBase64String(bytes));

        Assert.Equal(bytes, key.Key);
    }

    [Fact]
    public void Surrounding_whitespace_is_ignored()
    {
        string value = Convert.ToBase64String(new byte[32]);

        Assert.Equal(32, SigningKey.FromBase64($"  {value}\n").Key.Length);
    }

    [Fact]
    public void Generate_yields_a_fresh_valid_key_each_time()
    {
        string first = SigningKey.Generate(), second = SigningKey.Generate();

        Assert.Equal(TokenContract.MinKeyBytes, SigningKey.FromBase64(first).Key.Length);
        Assert.Equal(TokenContract.MinKeyBytes, SigningKey.FromBase64(second).Key.Length);
        Assert.NotEqual(first, second);
    }
}
