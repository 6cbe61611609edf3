using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Swarm.Reporting;

namespace Flux.Swarm.Storms;

/// <summary>Turns a run into its gRPC status.</summary>
internal static class StormStatusMapper
{
    public static StormStatus ToStatus(StormRun run, bool includeReport)
    {
        var status = new StormStatus
        {
            Id = run.Id,
            Phase = run.Phase,
            Plan = run.Plan.ToMessage(),
            StartedUnixMs = run.StartedAt.ToUnixTimeMilliseconds(),
            FinishedUnixMs = run.FinishedAt?.ToUnixTimeMilliseconds() ?? 0,
            Error = run.Error ?? "",
        };
        if (run.Latest is { } latest) status.Last = latest;
        if (run.Report is { } report)
        {
            status.Verdict = report.Verdict;
            status.Passed = report.Passed;
            status.Outcome = StormOutcomeMapping.ToOutcome(report.Outcome);
            if (includeReport)
            {
                status.ReportJson = ReportWriter.ToJson(report);
                status.ReportMarkdown = ReportWriter.ToMarkdown(report);
            }
        }
        else if (run.Error is not null)
        {
            status.Verdict = $"failed: {run.Error}";
        }
        return status;
    }
}
