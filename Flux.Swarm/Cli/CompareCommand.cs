using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Flux.Protocol.Storms.Reports;
using Spectre.Console;

namespace Flux.Swarm.Cli;

/// <summary>
/// <c>storm compare BASE.json NEW.json</c>: the two reports side by side (latency percentiles, throughput, every
/// correctness count, each fault's effects, the generator's health) with the deltas; exits 1 on a regression beyond the
/// thresholds.
/// </summary>
internal static class CompareCommand
{
    public static Command Build()
    {
        var baseReport = new Argument<FileInfo>("BASE") { Description = "The report to compare against (JSON, as --report writes it)" };
        var newReport = new Argument<FileInfo>("NEW") { Description = "The newer report" };
        var p95 = new Option<string>("--max-p95-regression") { Description = "How much p95 may grow, e.g. 10%", DefaultValueFactory = _ => "10%" };
        var p99 = new Option<string>("--max-p99-regression") { Description = "How much p99 may grow, e.g. 10%", DefaultValueFactory = _ => "10%" };
        var throughput = new Option<string>("--max-throughput-drop") { Description = "How much deliveries per second may fall, e.g. 5%", DefaultValueFactory = _ => "5%" };
        var command = new Command("compare", "Compares two storm reports; exits 1 on a regression: a latency percentile or throughput " +
            "beyond its threshold, or any new loss, duplicate, reorder or unexpected disconnect.")
        {
            baseReport, newReport, p95, p99, throughput,
        };
        command.SetAction(parsed =>
        {
            try
            {
                var thresholds = new RegressionThresholds(Percent(parsed.GetValue(p95)!), Percent(parsed.GetValue(p99)!), Percent(parsed.GetValue(throughput)!));
                var comparison = ReportComparison.Compare(Read(parsed.GetValue(baseReport)!), Read(parsed.GetValue(newReport)!), thresholds);
                Print(comparison);
                return comparison.HasRegression ? ExitCodes.Failed : ExitCodes.Passed;
            }
            catch (Exception ex) when (ex is FormatException or IOException or JsonException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return ExitCodes.UsageOrConnection;
            }
        });
        return command;
    }

    private static StormReport Read(FileInfo file)
    {
        if (!file.Exists) throw new FormatException($"no report at {file.FullName}");
        return StormReportJson.Deserialize(File.ReadAllText(file.FullName));
    }

    /// <summary>"10%", "10" or "0.1" (a fraction, when below 1 without a percent sign).</summary>
    internal static double Percent(string value)
    {
        string text = value.Trim();
        bool percent = text.EndsWith('%');
        if (!double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || number < 0)
        {
            throw new FormatException($"'{value}' is not a threshold; write it like 10%");
        }
        return percent || number >= 1 ? number / 100 : number;
    }

    private static void Print(ReportComparison comparison)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{comparison.Base.RunId} ({comparison.Base.Outcome}) → {comparison.New.RunId} ({comparison.New.Outcome})")
            .AddColumns("section", "measure", "base", "new", "delta", "");
        foreach (var row in comparison.Rows)
        {
            string mark = row.Regression is not null ? "[red]regression[/]"
                : row.Delta == 0 ? ""
                : (row.Delta < 0) == row.LowerIsBetter ? "[green]better[/]" : "[yellow]worse[/]";
            table.AddRow(Markup.Escape(row.Section), Markup.Escape(row.Measure), Value(row.Base, row.Unit), Value(row.New, row.Unit), row.DeltaText, mark);
        }
        AnsiConsole.Write(table);
        foreach (string note in comparison.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        if (comparison.HasRegression)
        {
            foreach (string regression in comparison.Regressions) AnsiConsole.MarkupLine($"[red bold]REGRESSION:[/] {Markup.Escape(regression)}");
        }
        else
        {
            AnsiConsole.MarkupLine("[green bold]No regression beyond the thresholds.[/]");
        }
    }

    private static string Value(double value, string unit) =>
        unit == "ms" ? value.ToString("0.##", CultureInfo.InvariantCulture) + " ms" : value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
