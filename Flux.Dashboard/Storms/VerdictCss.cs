using Flux.Protocol.Control;

namespace Flux.Dashboard.Storms;

/// <summary>The colour class of a storm's verdict: pass, fail or inconclusive (its own colour), or none while it runs.</summary>
public static class VerdictCss
{
    public static string Of(StormStatus status) => status.Outcome switch
    {
        StormOutcome.Passed => "pass",
        StormOutcome.Failed => "fail",
        StormOutcome.Inconclusive => "inconclusive",
        _ => status.Phase == StormPhase.Failed ? "fail" : "",
    };
}
