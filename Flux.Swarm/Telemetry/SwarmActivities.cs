using System.Diagnostics;

namespace Flux.Swarm.Telemetry;

/// <summary>
/// Traces: a storm is one trace (<c>storm run</c>, with a span per phase and per fault). About one send in
/// <see cref="TraceEvery"/> starts its own trace (<c>message send</c>, linked to the storm) that the gateway
/// continues, and each recipient adds a <c>message receive</c> span to it.
/// </summary>
internal static class SwarmActivities
{
    public const string SourceName = "Flux.Swarm";
    public const int TraceEvery = 1_000;
    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartMessageSend(ActivityContext storm, string guild, long messageId)
    {
        var links = storm == default ? null : new[] { new ActivityLink(storm) };
        var activity = Source.StartActivity(ActivityKind.Producer, parentContext: default, tags: null, links: links, name: "message send");
        activity?.SetTag("messaging.destination.name", guild);
        activity?.SetTag("flux.message.id", messageId);
        return activity;
    }

    public static void RecordReceive(ReadOnlySpan<byte> traceparent, string user, long seq, double latencyMs)
    {
        if (!Source.HasListeners()) return;
        if (!ActivityContext.TryParse(System.Text.Encoding.ASCII.GetString(traceparent), null, isRemote: true, out var parent)) return;
        using var activity = Source.StartActivity("message receive", ActivityKind.Consumer, parent);
        activity?.SetTag("flux.user", user);
        activity?.SetTag("flux.seq", seq);
        activity?.SetTag("flux.latency_ms", latencyMs);
    }
}
