using Flux.Protocol.Wire;

namespace Flux.Protocol.Storms.Faults;

/// <summary>How a user's connection ended, as the report counts closes: a close code, or one of these.</summary>
public static class CloseKinds
{
    /// <summary>The swarm cut the connection itself (the partition fault).</summary>
    public const string Cut = "cut";

    /// <summary>The connection ended without a close frame (a reset, or the gateway process died).</summary>
    public const string Dropped = "dropped";

    /// <summary>
    /// A fuzzing client whose input turned out valid (a mutation that kept the identify intact): the gateway said
    /// <c>ready</c> and rightly kept it open; the client then left.
    /// </summary>
    public const string Accepted = "accepted";

    /// <summary>A fuzzing connection the gateway neither closed nor accepted within the wait: the gateway hung on bad input.</summary>
    public const string NoClose = "no-close";

    /// <summary>A shed close (1013) sent to a high-tier user: the high tier is never shed, so no fault allows it.</summary>
    public const string ShedHighTier = "1013-high";

    private const string RejectedPrefix = "rejected:";

    /// <summary>A close code as the report keys it.</summary>
    public static string Of(int code) => code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An error frame's code, as the report keys rejected sends.</summary>
    public static string Rejected(string errorCode) => RejectedPrefix + errorCode;

    /// <summary>Whether the key is a rejected send's (judged with the closes, but not a connection end).</summary>
    public static bool IsRejected(string close) => close.StartsWith(RejectedPrefix, StringComparison.Ordinal);

    /// <summary>A close key in a verdict's words, after its count ("3 connections dropped without a close frame").</summary>
    public static string Describe(string close) => close switch
    {
        Cut => "connections cut",
        Dropped => "connections dropped without a close frame",
        ShedHighTier => "high-tier users shed with 1013 (the high tier is never shed)",
        _ when IsRejected(close) => $"sends rejected with '{close[RejectedPrefix.Length..]}'",
        _ when int.TryParse(close, out int code) => $"unexpected closes with {code} ({CloseCodes.Name(code)})",
        _ => $"closes '{close}'",
    };

    /// <summary>Whether a fuzzing client's end is one the protocol documents (or the gateway rightly accepted it).</summary>
    public static bool IsDocumented(string close) =>
        close == Accepted || (int.TryParse(close, out int code) && CloseCodes.IsDocumented(code));
}
