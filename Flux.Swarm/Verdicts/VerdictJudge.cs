using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Verdicts;

/// <summary>Everything a verdict is judged on, gathered when the run has drained.</summary>
/// <param name="Allowances">Each planned fault's allowance, as injected (restart-redis depends on what came back).</param>
/// <param name="SlaBreach">Why the SLA did not hold, or null.</param>
/// <param name="NotInjected">Faults that could not be injected, and why: the plan was not carried out.</param>
/// <param name="GeneratorBound">Why the swarm could not keep its schedule, or null.</param>
internal sealed record VerdictInput(
    StormPlan Plan,
    IReadOnlyList<FaultAllowance> Allowances,
    EffectLedger Ledger,
    int LimitBreachFault,
    string? SlaBreach,
    IReadOnlyList<string> NotInjected,
    string? GeneratorBound);

/// <summary>The judged outcome: every cause, and each fault's effects against its allowance.</summary>
/// <param name="UnexpectedCloses">Users' connections that ended in a way no fault allowed.</param>
/// <param name="ExpectedCloses">Users' connections that ended as their fault allowed (cuts included).</param>
internal sealed record Verdict(string Outcome, IReadOnlyList<string> Causes, string Text, IReadOnlyList<FaultBlock> Faults, FaultBlock Outside,
    long UnexpectedCloses, long ExpectedCloses)
{
    public bool Passed => Outcome == StormOutcomes.Passed;
}

/// <summary>
/// Judges a storm: it passes only if the SLA held and every effect (a loss, a duplicate, a reorder, an unexpected
/// close, a lost session, a gap, a rejected send) was explained by an injected fault within that fault's allowance.
/// A run whose generator could not keep its schedule is inconclusive: its latencies say nothing either way, and a loss
/// may be a receiver still behind when the drain ended. The causes it saw are still listed. But a slow generator cannot
/// deliver a message twice or out of order: a duplicate or a reorder no fault explains fails the run whatever the
/// generator's health.
/// </summary>
internal static class VerdictJudge
{
    public static Verdict Judge(VerdictInput input)
    {
        var causes = new List<string>();
        if (input.SlaBreach is { } breach) causes.Add(breach);
        long unexpected = 0, expected = 0;
        void Count(int index, FaultAllowance allowance)
        {
            foreach (var (close, count) in input.Ledger.Closes(index))
            {
                if (CloseKinds.IsRejected(close)) continue;
                if (allowance.Closes.Contains(close)) expected += count;
                else unexpected += count;
            }
        }

        var faults = new List<FaultBlock>();
        for (int i = 0; i < input.Plan.Faults.Count; i++)
        {
            var fault = input.Plan.Faults[i];
            var block = Judge(input.Ledger, i, fault.Describe(), FaultSpec.KindName(fault.Kind), fault.At, fault.Duration, input.Allowances[i]);
            faults.Add(block);
            Count(i, input.Allowances[i]);
            causes.AddRange(block.Exceeded.Select(e => $"fault {i + 1} ({fault.Describe()}): {e}"));
        }
        if (input.Plan.AllowLimitBreach)
        {
            var block = Judge(input.Ledger, input.LimitBreachFault, "send-limit breach (allowed by the plan)", "limit-breach",
                0, input.Plan.TotalSeconds, FaultAllowance.LimitBreach);
            faults.Add(block);
            Count(input.LimitBreachFault, FaultAllowance.LimitBreach);
            causes.AddRange(block.Exceeded.Select(e => $"send-limit breach: {e}"));
        }
        var outside = Judge(input.Ledger, -1, "no fault active", "none", 0, 0, FaultAllowance.Nothing);
        Count(-1, FaultAllowance.Nothing);
        causes.AddRange(outside.Exceeded.Select(e => $"outside any fault: {e}"));
        causes.AddRange(input.NotInjected.Select(n => $"not carried out: {n}"));

        bool corrupted = Corrupts(input.Ledger, -1, FaultAllowance.Nothing)
            || input.Plan.Faults.Select((_, i) => i).Any(i => Corrupts(input.Ledger, i, input.Allowances[i]))
            || (input.Plan.AllowLimitBreach && Corrupts(input.Ledger, input.LimitBreachFault, FaultAllowance.LimitBreach));
        string outcome = input.GeneratorBound is not null && !corrupted ? StormOutcomes.Inconclusive
            : causes.Count == 0 ? StormOutcomes.Passed
            : StormOutcomes.Failed;
        string text = outcome switch
        {
            StormOutcomes.Passed => "passed",
            StormOutcomes.Inconclusive => causes.Count == 0
                ? $"inconclusive: {input.GeneratorBound!.TrimEnd('.')}"
                : $"inconclusive: {input.GeneratorBound!.TrimEnd('.')}; also seen: {string.Join("; ", causes)}",
            _ when input.GeneratorBound is not null => $"{string.Join("; ", causes)}; and the generator was a bottleneck: {input.GeneratorBound.TrimEnd('.')}",
            _ => string.Join("; ", causes),
        };
        return new Verdict(outcome, causes, text, faults, outside, unexpected, expected);
    }

    private static FaultBlock Judge(EffectLedger ledger, int index, string description, string kind, double at, double duration, FaultAllowance allowance)
    {
        var effects = EffectNames.All.ToDictionary(e => e, e => ledger.Count(index, e));
        var closes = ledger.Closes(index);
        var exceeded = allowance.Exceeded(effects, closes);
        foreach (var (close, count) in ledger.FuzzCloses(index))
        {
            if (!CloseKinds.IsDocumented(close)) exceeded.Add($"{count:N0} fuzzing clients ended with '{close}', not a documented close code");
        }
        var reportedCloses = closes.Concat(ledger.FuzzCloses(index).Select(f => KeyValuePair.Create($"fuzz:{f.Key}", f.Value)))
            .ToDictionary(c => c.Key, c => c.Value);
        return new FaultBlock(description, kind, at, duration, allowance.Text,
            effects.Where(e => e.Value > 0).ToDictionary(e => e.Key.ToReportName(), e => e.Value),
            reportedCloses, exceeded.Count == 0, exceeded);
    }

    // Duplicates, reorders or losses beyond the allowance: what no slowness of the generator can cause. A loss is a hole
    // below what a user received (owed deliveries to users still away are apart), and the drain waits for late ones,
    // so a swarm that fell behind cannot make one; calling it inconclusive would hide it.
    private static bool Corrupts(EffectLedger ledger, int index, FaultAllowance allowance) =>
        new[] { Effect.Duplicates, Effect.Reordered, Effect.Lost }.Any(e => ledger.Count(index, e) > 0 && !allowance.Effects.Contains(e));
}
