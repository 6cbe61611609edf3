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
/// <param name="Unmeasured">What the run could not measure (deliveries without latency): each fails it.</param>
internal sealed record VerdictInput(
    StormPlan Plan,
    IReadOnlyList<FaultAllowance> Allowances,
    EffectLedger Ledger,
    int LimitBreachFault,
    string? SlaBreach,
    IReadOnlyList<string> NotInjected,
    string? GeneratorBound,
    IReadOnlyList<string>? Unmeasured = null)
{
    public IReadOnlyList<string> Unmeasured { get; } = Unmeasured ?? [];
}

/// <summary>The judged outcome: every cause, and each fault's effects against its allowance.</summary>
/// <param name="UnexpectedCloses">Users' connections that ended in a way no fault allowed.</param>
/// <param name="ExpectedCloses">Users' connections that ended as their fault allowed (cuts included).</param>
internal sealed record Verdict(string Outcome, IReadOnlyList<string> Causes, string Text, IReadOnlyList<FaultBlock> Faults, FaultBlock Outside,
    long UnexpectedCloses, long ExpectedCloses)
{
    public bool Passed => Outcome == StormOutcomes.Passed;
}

/// <summary>
/// Judges a storm: it passes only if the SLA held and every effect (a loss, a duplicate, a reorder, a corrupted delivery,
/// an unexpected close, a lost session, a gap, a rejected send) was explained by an injected fault within that fault's
/// allowance. A run whose generator could not keep its schedule is inconclusive only when everything that went wrong is
/// what a slow swarm can cause itself: a breach of the SLA (its latencies include its own lateness), 4009 heartbeat
/// closes (its heartbeats went out late) and connects that timed out. Anything else (a loss, a duplicate, a reorder, a
/// corruption, a 1011, a drop, a 4007 outside a fault, a gap, a user not back) a slow swarm cannot cause, and it fails
/// the run with exit 1 whatever the generator's health. Every cause is listed either way.
/// </summary>
internal static class VerdictJudge
{
    public static Verdict Judge(VerdictInput input)
    {
        var causes = new List<(string Text, bool SlowSwarmCanCause)>();
        if (input.SlaBreach is { } breach) causes.Add((breach, true));
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
        void Exceeded(IEnumerable<Excess> excesses, string where) =>
            causes.AddRange(excesses.Select(e => ($"{where}: {e.Text}", SlowSwarmCanCause(e))));

        var faults = new List<FaultBlock>();
        for (int i = 0; i < input.Plan.Faults.Count; i++)
        {
            var fault = input.Plan.Faults[i];
            var (block, excess) = Judge(input.Ledger, i, fault.Describe(), FaultSpec.KindName(fault.Kind), fault.At, fault.Duration, input.Allowances[i]);
            faults.Add(block);
            Count(i, input.Allowances[i]);
            Exceeded(excess, $"fault {i + 1} ({fault.Describe()})");
        }
        if (input.Plan.AllowLimitBreach)
        {
            var (block, excess) = Judge(input.Ledger, input.LimitBreachFault, "send-limit breach (allowed by the plan)", "limit-breach",
                0, input.Plan.TotalSeconds, FaultAllowance.LimitBreach);
            faults.Add(block);
            Count(input.LimitBreachFault, FaultAllowance.LimitBreach);
            Exceeded(excess, "send-limit breach");
        }
        var (outside, outsideExcess) = Judge(input.Ledger, -1, "no fault active", "none", 0, 0, FaultAllowance.Nothing);
        Count(-1, FaultAllowance.Nothing);
        Exceeded(outsideExcess, "outside any fault");
        causes.AddRange(input.NotInjected.Select(n => ($"not carried out: {n}", false)));
        causes.AddRange(input.Unmeasured.Select(u => (u, false)));

        bool beyondSlowSwarm = causes.Any(c => !c.SlowSwarmCanCause);
        string outcome = input.GeneratorBound is not null && !beyondSlowSwarm ? StormOutcomes.Inconclusive
            : causes.Count == 0 ? StormOutcomes.Passed
            : StormOutcomes.Failed;
        var texts = causes.Select(c => c.Text).ToList();
        string text = outcome switch
        {
            StormOutcomes.Passed => "passed",
            StormOutcomes.Inconclusive => texts.Count == 0
                ? $"inconclusive: {input.GeneratorBound!.TrimEnd('.')}"
                : $"inconclusive: {input.GeneratorBound!.TrimEnd('.')}; also seen: {string.Join("; ", texts)}",
            _ when input.GeneratorBound is not null => $"{string.Join("; ", texts)}; and the generator was a bottleneck: {input.GeneratorBound.TrimEnd('.')}",
            _ => string.Join("; ", texts),
        };
        return new Verdict(outcome, texts, text, faults, outside, unexpected, expected);
    }

    // What a swarm short of time can cause by itself: late heartbeats (4009) and connects that time out.
    private static bool SlowSwarmCanCause(Excess excess) =>
        excess.Effect == Effect.ConnectTimeouts || excess.Close == CloseKinds.Of(Flux.Protocol.Wire.CloseCodes.HeartbeatTimeout);

    private static (FaultBlock Block, List<Excess> Excess) Judge(EffectLedger ledger, int index, string description, string kind, double at, double duration,
        FaultAllowance allowance)
    {
        var effects = EffectNames.All.ToDictionary(e => e, e => ledger.Count(index, e));
        var closes = ledger.Closes(index);
        var exceeded = allowance.Exceeded(effects, closes);
        foreach (var (close, count) in ledger.FuzzCloses(index))
        {
            if (!CloseKinds.IsDocumented(close)) exceeded.Add(new Excess($"{count:N0} fuzzing clients ended with '{close}', not a documented close code", null, null));
        }
        var reportedCloses = closes.Concat(ledger.FuzzCloses(index).Select(f => KeyValuePair.Create($"fuzz:{f.Key}", f.Value)))
            .ToDictionary(c => c.Key, c => c.Value);
        var block = new FaultBlock(description, kind, at, duration, allowance.Text,
            effects.Where(e => e.Value > 0).ToDictionary(e => e.Key.ToReportName(), e => e.Value),
            reportedCloses, exceeded.Count == 0, [.. exceeded.Select(e => e.Text)]);
        return (block, exceeded);
    }
}
