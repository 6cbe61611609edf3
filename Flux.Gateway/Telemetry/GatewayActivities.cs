using System.Diagnostics;

namespace Flux.Gateway.Telemetry;

/// <summary>Spans for sampled messages: a <c>send</c> with a <c>trace</c> field continues that trace.</summary>
internal static class GatewayActivities
{
    public const string SourceName = "Flux.Gateway";
    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartPublish(string traceparent, string guild)
    {
        if (!ActivityContext.TryParse(traceparent, null, isRemote: true, out var parent)) return null;
        var activity = Source.StartActivity("message publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", guild);
        return activity;
    }

    /// <summary>The Redis step of a sampled message: the script that assigns its seq, stores and publishes it.</summary>
    public static Activity? StartRedisPublish(string guild)
    {
        if (Activity.Current is not { Source.Name: SourceName, DisplayName: "message publish" }) return null;
        var activity = Source.StartActivity("redis publish script", ActivityKind.Client);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", "EVALSHA");
        activity?.SetTag("messaging.destination.name", guild);
        return activity;
    }

    public static Activity? StartFanout(ReadOnlySpan<byte> traceparent, string guild, long seq, int recipients)
    {
        if (traceparent.IsEmpty) return null;
        if (!ActivityContext.TryParse(System.Text.Encoding.ASCII.GetString(traceparent), null, isRemote: true, out var parent)) return null;
        var activity = Source.StartActivity("fanout", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.destination.name", guild);
        activity?.SetTag("flux.seq", seq);
        activity?.SetTag("flux.recipients", recipients);
        return activity;
    }
}
