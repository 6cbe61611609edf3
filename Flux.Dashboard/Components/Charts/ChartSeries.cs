namespace Flux.Dashboard.Components.Charts;

/// <summary>One line of a chart: points of (seconds into the run, value).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

/// <summary>A shaded stretch of the time axis, e.g. while a fault was active.</summary>
public sealed record ChartBand(double From, double To, string Label);
