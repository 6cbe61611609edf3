using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Storms;
using Spectre.Console;

namespace Flux.Swarm.Cli;

/// <summary>Live progress while a storm runs (a table on a terminal, a line a second otherwise), and the summary after.</summary>
internal static class ConsoleProgress
{
    public static async Task ShowAsync(StormRun run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            await PrintLinesAsync(run).ConfigureAwait(false);
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("phase", "t", "connections", "sends/s", "deliveries/s", "p50", "p99", "lost", "alerts");
        await AnsiConsole.Live(table).StartAsync(async context =>
        {
            while (!run.IsComplete)
            {
                if (run.Latest is { } s)
                {
                    table.Rows.Clear();
                    table.AddRow(Phase(s), $"{s.ElapsedS:0} s", s.Connections.ToString("N0"), s.SendsPerS.ToString("N0"), s.DeliveriesPerS.ToString("N0"),
                        $"{s.Window.P50Ms:0.0} ms", $"{s.Window.P99Ms:0.0} ms", s.Lost.ToString("N0"),
                        s.SlaViolated ? $"[red]{Markup.Escape(s.SlaMessage)}[/]" : "[green]none[/]");
                    if (s.ActiveFaults.Count > 0) table.Caption($"faults: {Markup.Escape(string.Join(", ", s.ActiveFaults))}");
                    else table.Caption("");
                    context.Refresh();
                }
                await Task.WhenAny(run.Completion, Task.Delay(1000)).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    public static void PrintSummary(StormReport r)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"storm {r.RunId} ({r.Scenario})").AddColumns("measure", "value");
        table.AddRow("users / guilds", $"{r.Users:N0} / {r.Guilds:N0}");
        table.AddRow("sent", r.Sent.ToString("N0"));
        table.AddRow("delivered / expected", $"{r.Delivered:N0} / {r.ExpectedDeliveries:N0}");
        table.AddRow("lost / duplicates / reordered / corrupted", $"{r.Lost:N0} / {r.Duplicates:N0} / {r.Reordered:N0} / {r.Corrupted:N0}");
        table.AddRow("disconnects unexpected / a fault explains", $"{r.UnexpectedDisconnects:N0} / {r.InjectedDisconnects:N0}");
        table.AddRow("latency p50 / p95 / p99 / p99.9 / max", $"{r.LatencyMs.P50:0.##} / {r.LatencyMs.P95:0.##} / {r.LatencyMs.P99:0.##} / {r.LatencyMs.P999:0.##} / {r.LatencyMs.Max:0.##} ms");
        table.AddRow("throughput sent / delivered", $"{r.Throughput.SentPerS:N0} / {r.Throughput.DeliveredPerS:N0} per s");
        foreach (var (name, cohort) in r.Cohorts)
        {
            table.AddRow($"{name} ({cohort.Users} users)", $"p50 {cohort.LatencyMs.P50:0.##} ms, p99 {cohort.LatencyMs.P99:0.##} ms, max {cohort.LatencyMs.Max:0.##} ms");
        }
        table.AddRow("generator", $"lag p99 {r.Generator.LagP99Ms:0.##} ms, GC {r.Generator.GcPauseMs:0} ms, CPU {r.Generator.CpuPct:0} %");
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(r.Generator.Assessment);
        foreach (var fault in r.Faults)
        {
            AnsiConsole.MarkupLine(fault.WithinAllowance
                ? $"[green]fault[/] {Markup.Escape(fault.Description)}: within its allowance"
                : $"[red]fault[/] {Markup.Escape(fault.Description)}: beyond its allowance: {Markup.Escape(string.Join("; ", fault.Exceeded))}");
        }
        switch (r.Outcome)
        {
            case StormOutcomes.Passed:
                AnsiConsole.MarkupLine($"[green bold]PASSED: the SLA held (p95 ≤ {r.Sla.P95Ms} ms, p99 ≤ {r.Sla.P99Ms} ms) and every effect was within its fault's allowance[/]");
                break;
            case StormOutcomes.Inconclusive:
                string why = r.Verdict.StartsWith("inconclusive: ", StringComparison.Ordinal) ? r.Verdict["inconclusive: ".Length..] : r.Verdict;
                AnsiConsole.MarkupLine($"[blue bold]INCONCLUSIVE:[/] {Markup.Escape(why)}");
                break;
            default:
                AnsiConsole.MarkupLine("[red bold]FAILED:[/]");
                foreach (string cause in r.Causes) AnsiConsole.MarkupLine($"[red]  - {Markup.Escape(cause)}[/]");
                break;
        }
    }

    private static async Task PrintLinesAsync(StormRun run)
    {
        int printed = 0;
        while (!run.IsComplete)
        {
            var (snapshots, next) = run.SnapshotsFrom(printed);
            foreach (var s in snapshots)
            {
                Console.WriteLine($"[{s.ElapsedS,5:0} s] {Phase(s),-8} conn {s.Connections,6:N0}  send {s.SendsPerS,7:N0}/s  deliver {s.DeliveriesPerS,8:N0}/s  " +
                    $"p50 {s.Window.P50Ms,6:0.0} ms  p99 {s.Window.P99Ms,6:0.0} ms  lost {s.Lost:N0}" +
                    (s.SlaViolated ? $"  ALERT {s.SlaMessage}" : "") + (s.ActiveFaults.Count > 0 ? $"  faults: {string.Join(", ", s.ActiveFaults)}" : ""));
            }
            printed += snapshots.Count;
            await Task.WhenAny(next, run.Completion, Task.Delay(2000)).ConfigureAwait(false);
        }
    }

    private static string Phase(StormSnapshot s) => StormPhaseNames.ToText(s.Phase);
}
