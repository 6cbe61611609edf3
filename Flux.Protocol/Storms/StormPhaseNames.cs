using Flux.Protocol.Control;

namespace Flux.Protocol.Storms;

/// <summary>The phase words the dashboard and CLI show: idle, ramping, steady, draining, finished, failed.</summary>
public static class StormPhaseNames
{
    public static string ToText(StormPhase phase) => phase switch
    {
        StormPhase.Ramping => "ramping",
        StormPhase.Steady => "steady",
        StormPhase.Draining => "draining",
        StormPhase.Finished => "finished",
        StormPhase.Failed => "failed",
        _ => "idle",
    };
}
