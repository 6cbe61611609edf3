using Flux.Protocol.Tests.Storms;
using System.Text.Json;
using Flux.Swarm.Reporting;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The report's JSON (the snake_case names the issue fixes), its round trip, and its Markdown twin.</summary>
public sealed class ReportWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flux-tests", "reports-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("scenario", JsonValueKind.String)]
    [InlineData("users", JsonValueKind.Number)]
    [InlineData("guilds", JsonValueKind.Number)]
    [InlineData("duration_s", JsonValueKind.Number)]
    [InlineData("sent", JsonValueKind.Number)]
    [InlineData("expected_deliveries", JsonValueKind.Number)]
    [InlineData("delivered", JsonValueKind.Number)]
    [InlineData("lost", JsonValueKind.Number)]
    [InlineData("duplicates", JsonValueKind.Number)]
    [InlineData("reordered", JsonValueKind.Number)]
    [InlineData("unexpected_disconnects", JsonValueKind.Number)]
    [InlineData("injected_disconnects", JsonValueKind.Number)]
    [InlineData("latency_ms.p50", JsonValueKind.Number)]
    [InlineData("latency_ms.p95", JsonValueKind.Number)]
    [InlineData("latency_ms.p99", JsonValueKind.Number)]
    [InlineData("latency_ms.p999", JsonValueKind.Number)]
    [InlineData("latency_ms.max", JsonValueKind.Number)]
    [InlineData("throughput.sent_per_s", JsonValueKind.Number)]
    [InlineData("throughput.delivered_per_s", JsonValueKind.Number)]
    [InlineData("sla.p95_ms", JsonValueKind.Number)]
    [InlineData("sla.p99_ms", JsonValueKind.Number)]
    [InlineData("sla.passed", JsonValueKind.False)]
    [InlineData("sla.violations", JsonValueKind.Array)]
    [InlineData("generator.max_lag_ms", JsonValueKind.Number)]
    [InlineData("generator.gc_pause_ms", JsonValueKind.Number)]
    [InlineData("generator.cpu_pct", JsonValueKind.Number)]
    [InlineData("outcome", JsonValueKind.String)]
    [InlineData("verdict", JsonValueKind.String)]
    [InlineData("causes", JsonValueKind.Array)]
    [InlineData("faults", JsonValueKind.Array)]
    [InlineData("outside_faults.allowance", JsonValueKind.String)]
    [InlineData("outside_faults.within_allowance", JsonValueKind.True)]
    [InlineData("details.announced_loss", JsonValueKind.Number)]
    public void Json_has_the_field_the_issue_requires(string path, JsonValueKind kind)
    {
        using var json = JsonDocument.Parse(ReportWriter.ToJson(SampleReports.Detailed()));

        var element = json.RootElement;
        foreach (string name in path.Split('.'))
        {
            Assert.True(element.TryGetProperty(name, out element), $"'{path}' is missing at '{name}'");
        }
        Assert.Equal(kind, element.ValueKind);
    }

    [Fact]
    public void Json_values_are_the_reports()
    {
        using var json = JsonDocument.Parse(ReportWriter.ToJson(SampleReports.Detailed()));
        var root = json.RootElement;

        Assert.Equal("smoke", root.GetProperty("scenario").GetString());
        Assert.Equal(29_750, root.GetProperty("expected_deliveries").GetInt64());
        Assert.Equal(12.5, root.GetProperty("latency_ms").GetProperty("p999").GetDouble());
        Assert.Equal(40.125, root.GetProperty("latency_ms").GetProperty("max").GetDouble());
        Assert.Equal(2_480.25, root.GetProperty("throughput").GetProperty("delivered_per_s").GetDouble());
        Assert.Equal(35, root.GetProperty("generator").GetProperty("cpu_pct").GetDouble());
        var violation = Assert.Single(root.GetProperty("sla").GetProperty("violations").EnumerateArray().ToList());
        Assert.Equal((5.0, 17.0), (violation.GetProperty("from_s").GetDouble(), violation.GetProperty("to_s").GetDouble()));
        Assert.Equal(2, root.GetProperty("cohorts").GetProperty("slow_consumers").GetProperty("users").GetInt32());
        var partition = root.GetProperty("faults")[1];
        Assert.False(partition.GetProperty("within_allowance").GetBoolean());
        Assert.Equal(10, partition.GetProperty("effects").GetProperty("lost").GetInt64());
        Assert.Equal(5, partition.GetProperty("closes").GetProperty("cut").GetInt64());
        Assert.Equal(4, partition.GetProperty("exceeded").GetArrayLength());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", root.GetProperty("timeline")[1].GetProperty("worst_trace_id").GetString());
        Assert.Equal(2, root.GetProperty("causes").GetArrayLength());
    }

    [Fact]
    public void FromJson_round_trips_every_field()
    {
        var report = SampleReports.Detailed();
        string json = ReportWriter.ToJson(report);

        var read = ReportWriter.FromJson(json);

        Assert.Equal(json, ReportWriter.ToJson(read)); // every field, nested blocks and lists included
        Assert.Equal(report.LatencyMs, read.LatencyMs);
        Assert.Equal(report.Details, read.Details);
        Assert.Equal(report.Cohorts["partitioned"], read.Cohorts["partitioned"]);
        Assert.Equal(report.Timeline, read.Timeline);
    }

    [Fact]
    public void WriteFiles_writes_the_json_and_the_markdown_twin_next_to_it()
    {
        var report = SampleReports.Detailed();
        string path = Path.Combine(_directory, "nested", "storm.json");

        string markdownPath = ReportWriter.WriteFiles(report, path);

        Assert.Equal(Path.Combine(_directory, "nested", "storm.md"), markdownPath);
        Assert.True(File.Exists(path), "the JSON report was not written");
        Assert.True(File.Exists(markdownPath), "the Markdown twin was not written");
        Assert.Equal(report.RunId, ReportWriter.FromJson(File.ReadAllText(path)).RunId);
        Assert.Equal(ReportWriter.ToMarkdown(report), File.ReadAllText(markdownPath));
    }

    [Fact]
    public void Lost_runs_are_in_the_json_with_their_count_and_in_the_markdown_as_a_table()
    {
        var sample = SampleReports.Detailed();
        var report = sample with
        {
            Details = sample.Details with
            {
                LostRuns = [new("s1-u7", "s1-g2", 1_200, 1_340, 51.24, ["50.9 s close 1013, fault 0"]), new("s1-u9", "s1-g2", 88, 88, -1, [])],
            },
        };

        using var json = JsonDocument.Parse(ReportWriter.ToJson(report));
        var first = json.RootElement.GetProperty("details").GetProperty("lost_runs")[0];
        Assert.Equal(("s1-u7", 1_200L, 1_340L, 141L), (first.GetProperty("user").GetString(), first.GetProperty("first_seq").GetInt64(),
            first.GetProperty("last_seq").GetInt64(), first.GetProperty("count").GetInt64()));
        var read = ReportWriter.FromJson(ReportWriter.ToJson(report));
        Assert.Equal(report.Details.LostRuns!.Select(r => (r.User, r.FirstSeq, r.Ends.Count)), read.Details.LostRuns!.Select(r => (r.User, r.FirstSeq, r.Ends.Count)));

        string markdown = ReportWriter.ToMarkdown(report);
        Assert.Contains("| s1-u7 | s1-g2 | 1200–1340 | 141 | 51.2 s | 50.9 s close 1013, fault 0 |", markdown);
        Assert.Contains("| s1-u9 | s1-g2 | 88–88 | 1 | no one received it | none |", markdown);
        Assert.DoesNotContain("Where the lost deliveries were", ReportWriter.ToMarkdown(sample));
    }

    [Fact]
    public void Markdown_contains_the_verdict_the_timeline_and_the_cohorts()
    {
        string markdown = ReportWriter.ToMarkdown(SampleReports.Detailed());

        Assert.Contains("**FAILED**:", markdown);
        Assert.Contains("- fault 2 (partition: 5 × 2 s): 10 lost deliveries", markdown); // every cause, a line each
        Assert.Contains("| 3 | steady | 100 | 101 | 2,500 | 1.5 | 3 | 4.25 | 9 | 8.5 ms `0af7651916cd43dd8448eb211c80319c` |", markdown);
        Assert.Contains("| 7 | steady | 95 | 99 | 2,300 | 30 | 80 | 120 | 150 ⚠ |  |", markdown); // a breaching second is marked
        Assert.Contains("| slow_consumers | 2 | 400 | 900 ms | 1950 ms | 2000 ms |", markdown);
        Assert.Contains("- P95 > 50 ms for 12 s (t = 5–17 s; worst p95 80 ms, p99 120 ms)", markdown);
        Assert.Contains("| partition: 5 × 2 s | 6 s | cuts its users off | lost 10, duplicates 3, reordered 2, close cut × 5, close 1011 × 1 | **beyond**: ", markdown);
        Assert.Contains("| slow consumers: 2 × 2 s | 4 s | closes its slow readers with 4012 | close 4012 × 2 | within |", markdown);
    }
}
