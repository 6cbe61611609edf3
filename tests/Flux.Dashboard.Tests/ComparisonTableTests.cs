using Bunit;
using Flux.Dashboard.Components.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Protocol.Tests.Storms;

namespace Flux.Dashboard.Tests;

/// <summary>The report page's comparison: every measure side by side, regressions marked and summed up.</summary>
public sealed class ComparisonTableTests : BunitContext
{
    [Fact]
    public void A_regression_is_marked_on_its_row_and_summed_up()
    {
        var baseReport = SampleReports.Passed("base", p99: 20);
        var newReport = SampleReports.Passed("new", p99: 30) with { Lost = 3 };

        var view = Render<ComparisonTable>(p => p.Add(c => c.Comparison, ReportComparison.Compare(baseReport, newReport)));

        var p99 = view.FindAll("[data-testid=comparison-row]").Single(r => r.Children[1].TextContent == "p99");
        Assert.Contains("regression", p99.ClassList);
        Assert.Equal("+10.00 (+50.0 %)", p99.Children[4].TextContent);
        var lost = view.FindAll("[data-testid=comparison-row]").Single(r => r.Children[1].TextContent == "lost");
        Assert.Contains("regression", lost.ClassList);
        Assert.Contains("fail", view.Find("[data-testid=comparison-result]").ClassList);
    }

    [Fact]
    public void Equal_runs_show_no_regression()
    {
        var view = Render<ComparisonTable>(p => p.Add(c => c.Comparison, ReportComparison.Compare(SampleReports.Passed("a", 20), SampleReports.Passed("b", 20))));

        Assert.DoesNotContain(view.FindAll("[data-testid=comparison-row]"), r => r.ClassList.Contains("regression"));
        Assert.Contains("No regression", view.Find("[data-testid=comparison-result]").TextContent);
    }
}
