using System.Globalization;
using System.Text;
using Flux.Protocol.Storms.Reports;

namespace Flux.Swarm.Reporting;

/// <summary>Writes a report as JSON (<see cref="StormReportJson"/>) and as its Markdown twin.</summary>
internal static class ReportWriter
{
    public static string ToJson(StormReport report) => StormReportJson.Serialize(report);

    public static StormReport FromJson(string json) => StormReportJson.Deserialize(json);

    /// <summary>Writes <paramref name="path"/> and the Markdown twin beside it (same name, .md).</summary>
    public static string WriteFiles(StormReport report, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, ToJson(report));
        string markdown = Path.ChangeExtension(full, ".md");
        File.WriteAllText(markdown, ToMarkdown(report));
        return markdown;
    }

    public static string ToMarkdown(StormReport r)
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"# Storm {r.RunId}: {r.Scenario}");
        md.AppendLine();
        md.AppendLine(c, $"**{r.Outcome.ToUpperInvariant()}**{(r.Passed ? "" : ":")}");
        if (!r.Passed)
        {
            md.AppendLine();
            if (r.Outcome == StormOutcomes.Inconclusive) md.AppendLine(c, $"- {r.Generator.Assessment}");
            foreach (string cause in r.Causes) md.AppendLine(c, $"- {cause}");
        }
        md.AppendLine();
        md.AppendLine(c, $"Target: **{r.Target}**: {r.Guarantees}.");
        md.AppendLine();
        md.AppendLine(c, $"{r.Users:N0} users in {r.Guilds:N0} guilds, {r.Rate:N0} msg/s planned, {r.RampS:0.#} s ramp then {r.DurationS:0.#} s steady{(r.Stopped ? " (stopped early)" : "")}. Started {r.StartedAt}, finished {r.FinishedAt}.");
        md.AppendLine();
        md.AppendLine("| measure | value |");
        md.AppendLine("|---|---|");
        Row(md, "sent", r.Sent.ToString("N0", c));
        Row(md, "expected deliveries", r.ExpectedDeliveries.ToString("N0", c));
        Row(md, "delivered", r.Delivered.ToString("N0", c));
        Row(md, "lost", r.Lost.ToString("N0", c));
        Row(md, "duplicates", r.Duplicates.ToString("N0", c));
        Row(md, "reordered", r.Reordered.ToString("N0", c) + (r.Details.ReorderedSenders is { Count: > 0 } senders
            ? $" (out of their sender's order: {string.Join(", ", senders.Select(s => $"{s.Key} ×{s.Value:N0}"))})" : ""));
        Row(md, "corrupted (from, body or ts not as sent)", r.Corrupted.ToString("N0", c));
        if (r.Foreign > 0 || r.Visitors is not null) Row(md, "foreign (visitors' messages, counted apart)", r.Foreign.ToString("N0", c));
        if (r.Visitors is { } visitors)
        {
            Row(md, "visitors", visitors.Echoes > 0
                ? $"{visitors.People:N0}; {visitors.Echoes:N0} own messages back, round trip p50 {visitors.RoundTripMs.P50:0.##} ms, max {visitors.RoundTripMs.Max:0.##} ms (in their browsers)"
                : $"{visitors.People:N0}; none of their own messages came back");
        }
        Row(md, "unexpected disconnects", r.UnexpectedDisconnects.ToString("N0", c));
        Row(md, "disconnects a fault explains", r.InjectedDisconnects.ToString("N0", c));
        Row(md, "latency p50 / p95 / p99 / p99.9 / max (healthy)", $"{r.LatencyMs.P50:0.##} / {r.LatencyMs.P95:0.##} / {r.LatencyMs.P99:0.##} / {r.LatencyMs.P999:0.##} / {r.LatencyMs.Max:0.##} ms");
        Row(md, "throughput sent / delivered", $"{r.Throughput.SentPerS:N0} / {r.Throughput.DeliveredPerS:N0} per s");
        string judgedOn = r.Faults.Any(f => f.Kind == "surge") && r.Tiers.ContainsKey("high") ? $"; judged on the high tier during surges: measured p95 {r.Sla.MeasuredP95Ms:0.##} ms, p99 {r.Sla.MeasuredP99Ms:0.##} ms" : "";
        Row(md, "SLA", $"p95 ≤ {r.Sla.P95Ms} ms, p99 ≤ {r.Sla.P99Ms} ms (alert after {r.Sla.WindowS} s{judgedOn}): {(r.Sla.Passed ? "held" : "violated")}");
        Row(md, "generator", $"lag p99 {r.Generator.LagP99Ms:0.##} ms (max {r.Generator.MaxLagMs:0.#}), GC pauses {r.Generator.GcPauseMs:0} ms, CPU {r.Generator.CpuPct:0} %, scheduling lag p99 {r.Generator.SchedulingLagP99Ms:0.#} ms (max {r.Generator.MaxSchedulingLagMs:0.#})");
        md.AppendLine();
        md.AppendLine(r.Generator.Assessment);
        if (r.Sla.Violations.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## SLA alerts");
            foreach (var v in r.Sla.Violations) md.AppendLine(c, $"- {v.Description}");
        }
        if (r.Cohorts.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Users under faults (measured apart from the healthy ones)");
            md.AppendLine("| cohort | users | delivered | p50 | p99 | max |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var (name, block) in r.Cohorts)
            {
                md.AppendLine(c, $"| {name} | {block.Users:N0} | {block.Delivered:N0} | {block.LatencyMs.P50:0.##} ms | {block.LatencyMs.P99:0.##} ms | {block.LatencyMs.Max:0.##} ms |");
            }
        }
        // Only worth a table when the plan mixes tiers (the gateways shed by tier).
        if (r.Tiers.Count > 1 || r.Tiers.Values.Any(t => t.ShedCloses > 0))
        {
            md.AppendLine();
            md.AppendLine("## Tiers (healthy users; shed users move to the shed cohort)");
            md.AppendLine("| tier | users | shed users | 1013 closes | p50 | p99 | max | p99 during surges |");
            md.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var (name, t) in r.Tiers)
            {
                string surge = t.SurgeLatencyMs is { } s ? (s.Count > 0 ? $"{s.P99:0.##} ms ({s.Count:N0})" : "no deliveries") : "";
                md.AppendLine(c, $"| {name} | {t.Users:N0} | {t.ShedUsers:N0} | {t.ShedCloses:N0} | {t.LatencyMs.P50:0.##} ms | {t.LatencyMs.P99:0.##} ms | {t.LatencyMs.Max:0.##} ms | {surge} |");
            }
        }
        if (r.Shards is { } shards)
        {
            md.AppendLine();
            md.AppendLine("## Shards (one storm on several swarm processes; counts and histograms above are their exact sums)");
            md.AppendLine("| shard | where | users | sent | delivered | clock offset | drift over the run |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var s in shards.Each)
            {
                md.AppendLine(c, $"| {s.Shard} | {s.Where} | {s.Users:N0} | {s.Sent:N0} | {s.Delivered:N0} | {s.ClockOffsetMs:0.###} ± {s.ClockUncertaintyMs:0.###} ms | {s.ClockDriftMs:0.###} ms |");
            }
        }
        md.AppendLine();
        md.AppendLine("## Faults: what each may cause, what it caused");
        md.AppendLine("| fault | at | allowed | caused | judged |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var f in r.Faults.Append(r.OutsideFaults))
        {
            string caused = string.Join(", ", f.Effects.Select(e => $"{e.Key} {e.Value:N0}").Concat(f.Closes.Select(k => $"close {k.Key} × {k.Value:N0}")));
            string judged = f.WithinAllowance ? "within" : "**beyond**: " + string.Join("; ", f.Exceeded);
            md.AppendLine(c, $"| {f.Description} | {(f.Kind == "none" ? "" : $"{f.AtS:0} s")} | {f.Allowance} | {(caused.Length == 0 ? "nothing" : caused)} | {judged} |");
        }
        md.AppendLine();
        var d = r.Details;
        md.AppendLine(c, $"Details: {d.Resumes:N0} resumes, {d.SessionsLost:N0} sessions lost, {d.AnnouncedLoss:N0} deliveries missed but announced, {d.ConnectFailures:N0} connect failures, {d.NotSent:N0} sends not sent ({d.Rejected:N0} refused by the gateway), {d.Unconfirmed:N0} unconfirmed at a cut, {d.LostNeverReceived:N0} of the lost deliveries were of sends no user received, {d.SkippedSends:N0} skipped while offline, {d.GapsReported:N0} gaps reported, {d.ShedDisconnects:N0} shed.");
        foreach (string note in r.Notes) md.AppendLine(c, $"- {note}");
        if (d.LostRuns is { Count: > 0 } runs)
        {
            md.AppendLine();
            md.AppendLine(c, $"Where the lost deliveries were (the largest runs of consecutive seqs, at most {Storms.LostRuns.Kept}):");
            md.AppendLine();
            md.AppendLine("| user | guild | seqs | lost | first sent at | the user's connection ends nearest then |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var run in runs)
            {
                md.AppendLine(c, $"| {run.User} | {run.Guild} | {run.FirstSeq}–{run.LastSeq} | {run.Count:N0} | {(run.SentAtS < 0 ? "no one received it" : $"{run.SentAtS:0.0} s")} | {(run.Ends.Count == 0 ? "none" : string.Join("; ", run.Ends))} |");
            }
        }
        md.AppendLine();
        md.AppendLine("## Timeline");
        bool tiered = r.Tiers.Count > 1;
        md.AppendLine(tiered
            ? "| t (s) | phase | connections (high / normal / low) | sends/s | deliveries/s | p50 | p95 | p99 | max | p99 high tier | worst traced |"
            : "| t (s) | phase | connections | sends/s | deliveries/s | p50 | p95 | p99 | max | worst traced |");
        md.AppendLine(tiered ? "|---|---|---|---|---|---|---|---|---|---|---|" : "|---|---|---|---|---|---|---|---|---|---|");
        foreach (var t in r.Timeline)
        {
            string traced = t.WorstTraceId is { } id ? $"{t.WorstSampledMs:0.#} ms `{id}`" : "";
            string connections = tiered && t.Tiers is { } k ? $"{t.Connections:N0} ({k.High:N0} / {k.Normal:N0} / {k.Low:N0})" : t.Connections.ToString("N0", c);
            string high = tiered ? $" {t.Tiers?.HighP99Ms ?? 0:0.##} |" : "";
            md.AppendLine(c, $"| {t.T:0} | {t.Phase} | {connections} | {t.SendsPerS:N0} | {t.DeliveriesPerS:N0} | {t.P50Ms:0.##} | {t.P95Ms:0.##} | {t.P99Ms:0.##} | {t.MaxMs:0.##}{(t.SlaBreach ? " ⚠" : "")} |{high} {traced} |");
        }
        return md.ToString();
    }

    private static void Row(StringBuilder md, string name, string value) => md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
}
