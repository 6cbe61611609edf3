using Flux.Protocol.Storms.Reports;

namespace Flux.Protocol.Tests.Storms;

/// <summary><c>storm compare</c>'s judgement: what counts as a regression, and what is only a difference.</summary>
public sealed class ReportComparisonTests
{
    [Fact]
    public void The_same_run_twice_has_no_regression()
    {
        var comparison = ReportComparison.Compare(SampleReports.Passed("a", 20), SampleReports.Passed("b", 20));

        Assert.False(comparison.HasRegression);
        Assert.Empty(comparison.Notes);
    }

    [Theory]
    [InlineData(21.9, false)] // +9.5 %: within 10 %
    [InlineData(22.1, true)]  // +10.5 %
    public void P99_growth_beyond_its_threshold_is_a_regression(double newP99, bool regression)
    {
        var comparison = ReportComparison.Compare(SampleReports.Passed("a", 20), SampleReports.Passed("b", newP99) with
        {
            LatencyMs = new LatencyBlock(5, 10, newP99, 40, 60, 3_000_000),
        });

        Assert.Equal(regression, comparison.HasRegression);
        Assert.Equal(regression, comparison.Rows.Single(r => r.Measure == "p99").Regression is not null);
    }

    [Fact]
    public void Thresholds_are_the_callers()
    {
        var comparison = ReportComparison.Compare(SampleReports.Passed("a", 20), SampleReports.Passed("b", 25),
            new RegressionThresholds(MaxP95Regression: 0.5, MaxP99Regression: 0.5));

        Assert.False(comparison.HasRegression);
    }

    [Fact]
    public void A_throughput_drop_beyond_its_threshold_is_a_regression_and_a_rise_never_is()
    {
        var @base = SampleReports.Passed("a", 20, deliveredPerS: 50_000);

        Assert.True(ReportComparison.Compare(@base, SampleReports.Passed("b", 20, deliveredPerS: 47_000)).HasRegression); // -6 %
        Assert.False(ReportComparison.Compare(@base, SampleReports.Passed("b", 20, deliveredPerS: 48_000)).HasRegression); // -4 %
        Assert.False(ReportComparison.Compare(@base, SampleReports.Passed("b", 20, deliveredPerS: 90_000)).HasRegression);
    }

    [Theory]
    [InlineData("lost")]
    [InlineData("duplicates")]
    [InlineData("reordered")]
    [InlineData("unexpected disconnects")]
    public void Any_new_loss_duplicate_reorder_or_disconnect_is_a_regression(string measure)
    {
        var @new = SampleReports.Passed("b", 20);
        @new = measure switch
        {
            "lost" => @new with { Lost = 1 },
            "duplicates" => @new with { Duplicates = 1 },
            "reordered" => @new with { Reordered = 1 },
            _ => @new with { UnexpectedDisconnects = 1 },
        };

        var comparison = ReportComparison.Compare(SampleReports.Passed("a", 20), @new);

        Assert.Equal([$"delivery {measure}: 1 against 0"], comparison.Regressions);
    }

    [Fact]
    public void Fewer_losses_than_the_base_is_an_improvement_not_a_regression()
    {
        var comparison = ReportComparison.Compare(SampleReports.Passed("a", 20) with { Lost = 5 }, SampleReports.Passed("b", 20));

        Assert.False(comparison.HasRegression);
        var lost = comparison.Rows.Single(r => r.Measure == "lost");
        Assert.Equal(-5, lost.Delta);
        Assert.True(lost.LowerIsBetter);
    }

    [Fact]
    public void Each_faults_effects_are_side_by_side_and_a_fault_beyond_its_allowance_is_a_regression()
    {
        var @new = SampleReports.Passed("b", 20) with { Faults = [SampleReports.Fault("partition: 100 × 5 s", partitionClosed: 90, within: false)] };

        var comparison = ReportComparison.Compare(SampleReports.Passed("a", 20), @new);

        var cut = comparison.Rows.Single(r => r.Section == "fault partition: 100 × 5 s" && r.Measure == "cut");
        Assert.Equal((100, 90), (cut.Base, cut.New));
        Assert.Contains(comparison.Regressions, r => r.Contains("now beyond its allowance: lost 3 > 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Unlike_plans_and_generator_bound_runs_are_noted()
    {
        var @new = SampleReports.Passed("b", 20) with
        {
            Users = 10_000,
            Generator = new GeneratorBlock(300, 120, 10, 99, 500, true, "send lag p99 120 ms"),
        };

        var comparison = ReportComparison.Compare(SampleReports.Passed("a", 20), @new);

        Assert.Contains(comparison.Notes, n => n.StartsWith("The runs differ in plan", StringComparison.Ordinal));
        Assert.Contains("The new run was generator-bound: its latencies are upper bounds.", comparison.Notes);
    }

    [Fact]
    public void A_report_survives_its_json_round_trip()
    {
        var report = SampleReports.Passed("a", 20);

        var back = StormReportJson.Deserialize(StormReportJson.Serialize(report));

        Assert.Equal(StormReportJson.Serialize(report), StormReportJson.Serialize(back));
        Assert.False(ReportComparison.Compare(report, back).HasRegression);
    }

    [Theory]
    [InlineData(10, 11, "+1.00 (+10.0 %)")]
    [InlineData(0, 3, "+3")]
    public void Deltas_read_with_sign_and_percent(double @base, double @new, string text)
    {
        var row = new ComparisonRow("latency", "p99", @base, @new, true, @base == 0 ? "" : "ms", null);

        Assert.Equal(text, row.DeltaText);
    }
}
