namespace Flux.Dashboard.Components.Charts;

/// <summary>One line of a chart: points of (seconds into the run, value).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

/// <summary>A shaded stretch of the time axis, e.g. while a fault was active.</summary>
public sealed record ChartBand(double From, double To, string Label);

/// <summary>A point worth a click, e.g. a latency spike whose delivery was traced; <paramref name="Href"/> may be null.</summary>
public sealed record ChartMarker(double X, double Y, string? Href, string Label);
