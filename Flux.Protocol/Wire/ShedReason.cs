using System.Globalization;

namespace Flux.Protocol.Wire;

/// <summary>
/// The reason text of a <c>1013</c> (shed) close, which says when to come back: <c>shedding load; resume after 5000 ms</c>
/// for a connection that was open, <c>shedding load; retry after 5000 ms</c> for a refused <c>identify</c> or
/// <c>resume</c>. The wait is the least time before the replica can take the tier back (its level falls only after
/// <c>Gateway:Shedding:RecoverAfterMs</c> of calm), so a client that comes back sooner is shed again and adds to the
/// overload it was shed for. docs/protocol.md, "Load shedding", is the contract.
/// </summary>
public static class ShedReason
{
    /// <summary>The longest wait a reason may carry; a larger number is not read as a hint.</summary>
    public const int MaxRetryAfterMs = 600_000;

    private const string Marker = " after ";
    private const string Unit = " ms";

    /// <summary>The reason for closing an open connection of a shed tier.</summary>
    public static string Closed(int retryAfterMs) => Format("resume", retryAfterMs);

    /// <summary>The reason for refusing an <c>identify</c> or <c>resume</c> of a shed tier.</summary>
    public static string Refused(int retryAfterMs) => Format("retry", retryAfterMs);

    /// <summary>
    /// Reads the wait from a reason: the number in its <c>after N ms</c>. False (and 0) when the reason has none, or
    /// one that is not a whole number from 0 to <see cref="MaxRetryAfterMs"/>: the client then backs off as usual.
    /// </summary>
    public static bool TryGetRetryAfterMs(ReadOnlySpan<char> reason, out int retryAfterMs)
    {
        retryAfterMs = 0;
        int at = reason.LastIndexOf(Marker, StringComparison.Ordinal);
        if (at < 0) return false;
        var rest = reason[(at + Marker.Length)..];
        if (!rest.EndsWith(Unit, StringComparison.Ordinal)) return false;
        var digits = rest[..^Unit.Length];
        if (digits.IsEmpty || digits.Length > 6) return false;
        foreach (char c in digits)
        {
            if (c is < '0' or > '9') return false;
        }
        int value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value > MaxRetryAfterMs) return false;
        retryAfterMs = value;
        return true;
    }

    private static string Format(string verb, int retryAfterMs) =>
        string.Create(CultureInfo.InvariantCulture, $"shedding load; {verb}{Marker}{Math.Clamp(retryAfterMs, 0, MaxRetryAfterMs)}{Unit}");
}
