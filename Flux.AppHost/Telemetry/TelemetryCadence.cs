using Microsoft.Extensions.Configuration;

namespace Flux.AppHost.Telemetry;

/// <summary>
/// How often Flux's services export their metrics to the Aspire dashboard. Aspire's default for a local run is every
/// second, which during a storm cost the dashboard process several percent of a core on a 2-core machine to ingest
/// (docs/benchmarks.md, "Where the CPU goes"). Flux:Telemetry:MetricExportIntervalMs (default 5000) sets it for every
/// project; traces and logs keep Aspire's cadence, so a message's journey still shows within a second or two.
/// </summary>
internal static class TelemetryCadence
{
    public const int DefaultMetricExportIntervalMs = 5_000;

    /// <summary>Sets OTEL_METRIC_EXPORT_INTERVAL on every project added so far (call it once all are added).</summary>
    public static void SetMetricExportInterval(this IDistributedApplicationBuilder builder)
    {
        int intervalMs = builder.Configuration.GetValue("Flux:Telemetry:MetricExportIntervalMs", DefaultMetricExportIntervalMs);
        if (intervalMs <= 0)
        {
            throw new InvalidOperationException($"Flux:Telemetry:MetricExportIntervalMs must be a positive number of milliseconds, not {intervalMs}");
        }
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            // Added after Aspire's own OTLP settings, so this value is the one the process sees.
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
