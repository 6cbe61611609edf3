using Microsoft.IdentityModel.Tokens;

namespace Flux.Protocol.Auth;

/// <summary>The shared HS256 key, given as base64 of at least <see cref="TokenContract.MinKeyBytes"/> bytes.</summary>
public static class SigningKey
{
    public static SymmetricSecurityKey FromBase64(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            throw new InvalidOperationException(
                $"No token signing key: set {TokenContract.SigningKeyConfigKey} (env Auth__SigningKey) to base64 of at least {TokenContract.MinKeyBytes} random bytes.");
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{TokenContract.SigningKeyConfigKey} is not valid base64.");
        }
        if (bytes.Length < TokenContract.MinKeyBytes)
        {
            throw new InvalidOperationException(
                $"{TokenContract.SigningKeyConfigKey} decodes to {bytes.Length} bytes; at least {TokenContract.MinKeyBytes} are required.");
        }
        return new SymmetricSecurityKey(bytes);
    }

    /// <summary>A fresh random key in the configuration format.</summary>
    public static string Generate() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(TokenContract.MinKeyBytes));
}
