using Flux.Protocol.Control;
using Flux.Protocol.Storms.Reports;

namespace Flux.Protocol.Storms;

/// <summary>Between the report's outcome words and the gRPC <c>StormOutcome</c>; the one place that knows both.</summary>
public static class StormOutcomeMapping
{
    public static StormOutcome ToOutcome(string? outcome) => outcome switch
    {
        StormOutcomes.Passed => StormOutcome.Passed,
        StormOutcomes.Failed => StormOutcome.Failed,
        StormOutcomes.Inconclusive => StormOutcome.Inconclusive,
        _ => StormOutcome.Unspecified,
    };

    /// <summary>The word the page and the CLI show: passed, violated or inconclusive (or "" while running).</summary>
    public static string ToText(StormOutcome outcome) => outcome switch
    {
        StormOutcome.Passed => "passed",
        StormOutcome.Failed => "violated",
        StormOutcome.Inconclusive => "inconclusive",
        _ => "",
    };
}
