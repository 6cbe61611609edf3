using System.Globalization;

namespace Flux.Protocol.Storms.Reports;

/// <summary>How much worse a new run may be than its base before the comparison calls it a regression.</summary>
/// <param name="MaxP95Regression">A fraction: 0.10 allows p95 to grow by 10 %.</param>
/// <param name="MaxP99Regression">A fraction, as for p95.</param>
/// <param name="MaxThroughputDrop">A fraction of the base's deliveries per second.</param>
public sealed record RegressionThresholds(double MaxP95Regression = 0.10, double MaxP99Regression = 0.10, double MaxThroughputDrop = 0.05)
{
    public static readonly RegressionThresholds Default = new();
}

/// <summary>One measure of two runs side by side.</summary>
/// <param name="LowerIsBetter">Whether a lower new value is an improvement (latency, losses), or a higher one (throughput).</param>
/// <param name="Regression">Why this row is a regression beyond the thresholds, or null.</param>
public sealed record ComparisonRow(string Section, string Measure, double Base, double New, bool LowerIsBetter, string Unit, string? Regression)
{
    public double Delta => New - Base;

    /// <summary>The relative change, or null when the base is 0.</summary>
    public double? Relative => Base == 0 ? null : (New - Base) / Base;

    public string DeltaText
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            string absolute = Delta.ToString(Unit == "ms" ? "+0.00;-0.00;0" : "+#,0.##;-#,0.##;0", c);
            return Relative is { } r ? $"{absolute} ({r.ToString("+0.0 %;-0.0 %;0 %", c)})" : absolute;
        }
    }
}

/// <summary>
/// Two storm reports compared measure by measure: latency percentiles, throughput, every correctness count, each
/// fault's effects, and the generator's health. A regression is a latency percentile or throughput beyond its
/// threshold, or any new loss, duplicate, reorder or unexpected disconnect.
/// </summary>
public sealed record ReportComparison(StormReport Base, StormReport New, IReadOnlyList<ComparisonRow> Rows, IReadOnlyList<string> Notes)
{
    public IEnumerable<string> Regressions => Rows.Where(r => r.Regression is not null).Select(r => $"{r.Section} {r.Measure}: {r.Regression}");

    public bool HasRegression => Rows.Any(r => r.Regression is not null);

    public static ReportComparison Compare(StormReport @base, StormReport @new, RegressionThresholds? thresholds = null)
    {
        var t = thresholds ?? RegressionThresholds.Default;
        var rows = new List<ComparisonRow>();
        var notes = new List<string>();
        if (@base.Scenario != @new.Scenario || @base.Users != @new.Users || @base.Rate != @new.Rate)
        {
            notes.Add($"The runs differ in plan: {Plan(@base)} against {Plan(@new)}; deltas compare unlike loads.");
        }

        void Latency(string name, double b, double n, double? limit)
        {
            string? regression = limit is { } l && b > 0 && (n - b) / b > l
                ? $"{n:0.##} ms is {(n - b) / b:0.0 %} over {b:0.##} ms (limit {l:0 %})"
                : null;
            rows.Add(new ComparisonRow("latency", name, b, n, true, "ms", regression));
        }
        Latency("p50", @base.LatencyMs.P50, @new.LatencyMs.P50, null);
        Latency("p95", @base.LatencyMs.P95, @new.LatencyMs.P95, t.MaxP95Regression);
        Latency("p99", @base.LatencyMs.P99, @new.LatencyMs.P99, t.MaxP99Regression);
        Latency("p99.9", @base.LatencyMs.P999, @new.LatencyMs.P999, null);
        Latency("max", @base.LatencyMs.Max, @new.LatencyMs.Max, null);

        double drop = @base.Throughput.DeliveredPerS > 0
            ? (@base.Throughput.DeliveredPerS - @new.Throughput.DeliveredPerS) / @base.Throughput.DeliveredPerS
            : 0;
        rows.Add(new ComparisonRow("throughput", "sent/s", @base.Throughput.SentPerS, @new.Throughput.SentPerS, false, "/s", null));
        rows.Add(new ComparisonRow("throughput", "delivered/s", @base.Throughput.DeliveredPerS, @new.Throughput.DeliveredPerS, false, "/s",
            drop > t.MaxThroughputDrop ? $"{drop:0.0 %} fewer deliveries per second (limit {t.MaxThroughputDrop:0 %})" : null));

        void Count(string section, string name, long b, long n) =>
            rows.Add(new ComparisonRow(section, name, b, n, true, "", n > b ? $"{n:N0} against {b:N0}" : null));
        Count("delivery", "lost", @base.Lost, @new.Lost);
        Count("delivery", "duplicates", @base.Duplicates, @new.Duplicates);
        Count("delivery", "corrupted", @base.Corrupted, @new.Corrupted);
        Count("delivery", "reordered", @base.Reordered, @new.Reordered);
        Count("delivery", "unexpected disconnects", @base.UnexpectedDisconnects, @new.UnexpectedDisconnects);
        rows.Add(new ComparisonRow("delivery", "delivered", @base.Delivered, @new.Delivered, false, "", null));

        foreach (var fault in @new.Faults)
        {
            var match = @base.Faults.FirstOrDefault(f => f.Description == fault.Description);
            if (match is null)
            {
                notes.Add($"Fault '{fault.Description}' is only in the new run.");
                continue;
            }
            foreach (string effect in fault.Effects.Keys.Union(match.Effects.Keys).Order(StringComparer.Ordinal))
            {
                rows.Add(new ComparisonRow($"fault {fault.Description}", effect, match.Effect(effect), fault.Effect(effect), true, "", null));
            }
            if (match.WithinAllowance && !fault.WithinAllowance)
            {
                rows.Add(new ComparisonRow($"fault {fault.Description}", "within allowance", 1, 0, false, "",
                    $"now beyond its allowance: {string.Join("; ", fault.Exceeded)}"));
            }
        }

        rows.Add(new ComparisonRow("generator", "send lag p99", @base.Generator.LagP99Ms, @new.Generator.LagP99Ms, true, "ms", null));
        rows.Add(new ComparisonRow("generator", "CPU %", @base.Generator.CpuPct, @new.Generator.CpuPct, true, "", null));
        rows.Add(new ComparisonRow("generator", "GC pauses", @base.Generator.GcPauseMs, @new.Generator.GcPauseMs, true, "ms", null));
        if (@new.Generator.Saturated) notes.Add("The new run was generator-bound: its latencies are upper bounds.");
        if (@base.Generator.Saturated) notes.Add("The base run was generator-bound: its latencies are upper bounds.");
        return new ReportComparison(@base, @new, rows, notes);
    }

    private static string Plan(StormReport r) => $"{r.Scenario} ({r.Users:N0} users, {r.Rate:N0} msg/s)";
}
