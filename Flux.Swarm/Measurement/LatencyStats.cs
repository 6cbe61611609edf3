namespace Flux.Swarm.Measurement;

/// <summary>Percentiles of a set of latencies, in milliseconds.</summary>
internal sealed record LatencyStats(long Count, double P50Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static readonly LatencyStats Empty = new(0, 0, 0, 0, 0, 0);
}
