using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Measurement;
using Flux.Swarm.Verdicts;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// The verdict: it passes only when the SLA held and every effect was explained by an injected fault within that
/// fault's allowance; a generator-bound run is inconclusive; every cause is listed.
/// </summary>
public sealed class VerdictJudgeTests
{
    private static readonly StormPlan Plan = new()
    {
        Users = 100, Guilds = 4, Duration = 60, Ramp = 10,
        Faults =
        [
            new FaultSpec(FaultKind.SlowConsumers, 20, 5, Clients: 10),
            new FaultSpec(FaultKind.Partition, 35, 5, Clients: 10),
            new FaultSpec(FaultKind.RestartRedis, 50, 5),
        ],
    };

    [Fact]
    public void A_run_with_nothing_wrong_passes()
    {
        var verdict = Judge(new EffectLedger(Plan.Faults.Count + 1));

        Assert.Equal(StormOutcomes.Passed, verdict.Outcome);
        Assert.Equal("passed", verdict.Text);
        Assert.Empty(verdict.Causes);
        Assert.All(verdict.Faults, f => Assert.True(f.WithinAllowance));
    }

    [Fact]
    public void Effects_within_each_faults_allowance_pass()
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Closed(0, CloseKinds.Of(4012));           // slow consumers closed with 4012
        ledger.Closed(1, CloseKinds.Cut);                // partition cuts
        ledger.Add(1, Effect.UnconfirmedSends, 3);       // sends at the cut
        ledger.Closed(2, CloseKinds.Of(1011));           // identify during the Redis restart
        ledger.Closed(2, CloseKinds.Rejected("unavailable"));

        var verdict = Judge(ledger);

        Assert.Equal(StormOutcomes.Passed, verdict.Outcome);
        Assert.Equal(3, verdict.ExpectedCloses);
        Assert.Equal(0, verdict.UnexpectedCloses);
    }

    [Theory]
    [InlineData(nameof(Effect.Lost), "lost deliveries")]
    [InlineData(nameof(Effect.Duplicates), "duplicated deliveries")]
    [InlineData(nameof(Effect.Reordered), "reordered deliveries")]
    [InlineData(nameof(Effect.Gaps), "gap frames")]
    [InlineData(nameof(Effect.AnnouncedLoss), "deliveries missed")]
    public void Loss_duplicates_reorders_and_gaps_fail_even_under_a_fault(string effect, string words)
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Add(1, Enum.Parse<Effect>(effect), 7);

        var verdict = Judge(ledger);

        Assert.Equal(StormOutcomes.Failed, verdict.Outcome);
        var cause = Assert.Single(verdict.Causes);
        Assert.StartsWith("fault 2 (partition: 10 × 5 s): 7 ", cause);
        Assert.Contains(words, cause);
        Assert.False(verdict.Faults[1].WithinAllowance);
    }

    [Fact]
    public void A_close_a_fault_does_not_allow_fails_and_counts_as_unexpected()
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Closed(0, CloseKinds.Of(1011)); // slow consumers may be closed with 4012, not 1011

        var verdict = Judge(ledger);

        Assert.Equal(StormOutcomes.Failed, verdict.Outcome);
        Assert.Contains("unexpected closes with 1011 (internal_error)", Assert.Single(verdict.Causes));
        Assert.Equal(1, verdict.UnexpectedCloses);
    }

    [Fact]
    public void Anything_outside_every_fault_fails()
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Closed(-1, CloseKinds.Dropped);
        ledger.Closed(-1, CloseKinds.Rejected("forbidden_guild"));

        var verdict = Judge(ledger);

        Assert.Equal(2, verdict.Causes.Count);
        Assert.All(verdict.Causes, c => Assert.StartsWith("outside any fault: ", c));
        Assert.Contains(verdict.Causes, c => c.Contains("connections dropped without a close frame"));
        Assert.Contains(verdict.Causes, c => c.Contains("sends rejected with 'forbidden_guild'"));
    }

    [Fact]
    public void A_redis_restart_that_came_back_empty_may_close_every_member_with_4007_and_announce_the_loss()
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Closed(2, CloseKinds.Of(4007));
        ledger.Add(2, Effect.AnnouncedLoss, 40);

        var withData = Judge(ledger);
        var empty = Judge(ledger, emptyRedis: true);

        Assert.Equal(StormOutcomes.Failed, withData.Outcome); // with its data, nothing may be lost
        Assert.Equal(StormOutcomes.Passed, empty.Outcome);
    }

    [Fact]
    public void The_send_limit_breach_the_plan_allows_is_judged_as_a_fault_of_its_own()
    {
        var plan = Plan with { AllowLimitBreach = true };
        var ledger = new EffectLedger(plan.Faults.Count + 1);
        ledger.Closed(plan.Faults.Count, CloseKinds.Of(4008));

        var verdict = VerdictJudge.Judge(new VerdictInput(plan, Allowances(plan), ledger, plan.Faults.Count, null, [], null));

        Assert.Equal(StormOutcomes.Passed, verdict.Outcome);
        Assert.Contains(verdict.Faults, f => f.Kind == "limit-breach" && f.Closes["4008"] == 1);
    }

    [Fact]
    public void Every_cause_is_listed_sla_and_faults_and_what_was_not_injected()
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Add(-1, Effect.Duplicates, 2);
        ledger.Add(0, Effect.Lost, 3);

        var verdict = VerdictJudge.Judge(new VerdictInput(Plan, Allowances(Plan), ledger, Plan.Faults.Count,
            "SLA violated: P99 > 100 ms for 12 s", ["fault 3: restart redis: no --redis"], null));

        Assert.Equal(4, verdict.Causes.Count);
        Assert.Equal(string.Join("; ", verdict.Causes), verdict.Text);
        Assert.StartsWith("SLA violated", verdict.Causes[0]);
        Assert.Contains(verdict.Causes, c => c.StartsWith("not carried out: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_generator_bound_run_is_inconclusive_when_all_it_saw_a_slow_swarm_can_cause()
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Closed(-1, CloseKinds.Of(4009), 3);      // heartbeats the swarm sent late
        ledger.Add(-1, Effect.ConnectTimeouts, 2);       // connects it did not finish in time

        var clean = VerdictJudge.Judge(new VerdictInput(Plan, Allowances(Plan), new EffectLedger(Plan.Faults.Count + 1), Plan.Faults.Count, null, [], "send lag p99 40 ms"));
        var slow = VerdictJudge.Judge(new VerdictInput(Plan, Allowances(Plan), ledger, Plan.Faults.Count, "SLA violated: P99 > 100 ms for 12 s", [], "send lag p99 40 ms"));

        Assert.Equal(StormOutcomes.Inconclusive, clean.Outcome);
        Assert.Equal("inconclusive: send lag p99 40 ms", clean.Text);
        Assert.Equal(StormOutcomes.Inconclusive, slow.Outcome);
        Assert.Contains("also seen: SLA violated: P99 > 100 ms for 12 s; outside any fault: 2 connects that timed out; outside any fault: 3 unexpected closes with 4009", slow.Text);
    }

    [Theory]
    [InlineData((int)Effect.Duplicates, "1 duplicated deliveries")]
    [InlineData((int)Effect.Reordered, "1 reordered deliveries")]
    [InlineData((int)Effect.Lost, "1 lost deliveries")]
    [InlineData((int)Effect.Corrupted, "1 corrupted deliveries (from, body or ts not as sent)")]
    [InlineData((int)Effect.UsersNotBack, "1 users not reconnected by the end")]
    [InlineData((int)Effect.Gaps, "1 gap frames")]
    [InlineData((int)Effect.ConnectFailures, "1 failed connects")]
    public void What_a_slow_swarm_cannot_cause_fails_the_run_even_when_the_generator_was_a_bottleneck(int effect, string cause)
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Add(-1, (Effect)effect);

        var verdict = VerdictJudge.Judge(new VerdictInput(Plan, Allowances(Plan), ledger, Plan.Faults.Count, null, [], "send lag p99 40 ms"));

        Assert.Equal(StormOutcomes.Failed, verdict.Outcome);
        Assert.Equal($"outside any fault: {cause}; and the generator was a bottleneck: send lag p99 40 ms", verdict.Text);
    }

    [Theory]
    [InlineData("1011")]
    [InlineData("4007")]
    [InlineData("dropped")]
    [InlineData("1013-high")]
    public void A_close_a_slow_swarm_cannot_cause_fails_the_run_even_when_the_generator_was_a_bottleneck(string close)
    {
        var ledger = new EffectLedger(Plan.Faults.Count + 1);
        ledger.Closed(-1, close);

        var verdict = VerdictJudge.Judge(new VerdictInput(Plan, Allowances(Plan), ledger, Plan.Faults.Count, null, [], "send lag p99 40 ms"));

        Assert.Equal(StormOutcomes.Failed, verdict.Outcome);
    }

    [Fact]
    public void Deliveries_without_any_latency_fail_the_run_with_that_cause()
    {
        var verdict = VerdictJudge.Judge(new VerdictInput(Plan, Allowances(Plan), new EffectLedger(Plan.Faults.Count + 1), Plan.Faults.Count, null, [],
            "send lag p99 40 ms", ["524,584 deliveries and not one latency"]));

        Assert.Equal(StormOutcomes.Failed, verdict.Outcome);
        Assert.Contains("524,584 deliveries and not one latency", verdict.Causes);
    }

    [Fact]
    public void Fuzzing_clients_must_each_be_closed_with_a_documented_code()
    {
        var plan = new StormPlan { Faults = [new FaultSpec(FaultKind.Fuzz, 5, 5, Clients: 3)] };
        var ledger = new EffectLedger(2);
        ledger.FuzzClosed(0, "4002");
        ledger.FuzzClosed(0, "1002");
        ledger.FuzzClosed(0, CloseKinds.Dropped);

        var verdict = VerdictJudge.Judge(new VerdictInput(plan, Allowances(plan), ledger, 1, null, [], null));

        Assert.Equal(StormOutcomes.Failed, verdict.Outcome);
        Assert.Contains("1 fuzzing clients ended with 'dropped', not a documented close code", Assert.Single(verdict.Causes));
        Assert.Equal(1, verdict.Faults[0].Closes["fuzz:4002"]);
    }

    private static Verdict Judge(EffectLedger ledger, bool emptyRedis = false)
    {
        var allowances = Allowances(Plan).ToArray();
        if (emptyRedis) allowances[2] = Flux.Protocol.Storms.Faults.Kinds.RestartRedisFault.CameBackEmpty;
        return VerdictJudge.Judge(new VerdictInput(Plan, allowances, ledger, Plan.Faults.Count, null, [], null));
    }

    [Fact]
    public void A_surge_allows_shedding_and_announced_gaps_but_never_loss_nor_a_rate_limit_close()
    {
        var plan = Plan with { Faults = [new FaultSpec(FaultKind.Surge, 20, 20, Factor: 4)] };
        var ledger = new EffectLedger(plan.Faults.Count + 1);
        ledger.Closed(0, CloseKinds.Of(1013));
        ledger.Closed(0, CloseKinds.Of(4012));
        ledger.Add(0, Effect.Gaps, 2);
        ledger.Add(0, Effect.AnnouncedLoss, 40);

        Assert.Equal(StormOutcomes.Passed, VerdictJudge.Judge(new VerdictInput(plan, Allowances(plan), ledger, plan.Faults.Count, null, [], null)).Outcome);

        ledger.Closed(0, CloseKinds.Of(4008));
        ledger.Add(0, Effect.Lost, 1);
        var verdict = VerdictJudge.Judge(new VerdictInput(plan, Allowances(plan), ledger, plan.Faults.Count, null, [], null));
        Assert.Equal(StormOutcomes.Failed, verdict.Outcome);
        Assert.Contains(verdict.Causes, c => c.Contains("1 lost deliveries", StringComparison.Ordinal));
        Assert.Contains(verdict.Causes, c => c.Contains("unexpected closes with 4008", StringComparison.Ordinal));
    }

    private static IReadOnlyList<FaultAllowance> Allowances(StormPlan plan) => plan.Faults.Select(f => FaultKinds.Of(f.Kind).Allowance(f)).ToList();
}
