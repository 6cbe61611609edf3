using Flux.Protocol.Storms;
using Flux.Swarm.Cli;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The <c>storm</c> command line (System.CommandLine): every option reaches the plan; every mistake is a parse error (exit 2).</summary>
public sealed class StormOptionsTests
{
    private const string Gateway = "ws://127.0.0.1:5000/gateway?v=1";

    [Fact]
    public void Every_option_reaches_the_plan()
    {
        var (options, parsed) = Parse(
            "--gateway", Gateway, "--gateway", "ws://127.0.0.1:5002/gateway?v=1",
            "--admin", "http://127.0.0.1:5001", "--redis", "127.0.0.1:6379",
            "--scenario", "smoke", "--users", "250", "--guilds", "5", "--zipf", "1.5", "--rate", "300.5",
            "--body-bytes", "128", "--duration", "20", "--ramp", "3",
            "--p95", "40", "--p99", "80.5", "--sla-window", "4",
            "--slow-consumers", "7", "--partition", "9", "--allow-limit-breach",
            "--report", "out/storm.json", "--junit", "out/storm.xml", "--seed", "42");

        var plan = options.ToPlan(parsed);
        Assert.Empty(parsed.Errors);
        Assert.Equal([Gateway, "ws://127.0.0.1:5002/gateway?v=1"], plan.Gateways);
        Assert.Equal(["http://127.0.0.1:5001"], parsed.GetValue(options.Admin)!);
        Assert.Equal(("127.0.0.1:6379", "out/storm.json", "out/storm.xml", 42),
            (parsed.GetValue(options.Redis), parsed.GetValue(options.Report), parsed.GetValue(options.JUnit), parsed.GetValue(options.Seed)));
        Assert.Equal("smoke", plan.Scenario);
        Assert.Equal((250, 5, GuildSizes.Zipf, 1.5), (plan.Users, plan.Guilds, plan.GuildSizes, plan.ZipfExponent));
        Assert.Equal((300.5, 128, 20.0, 3.0), (plan.Rate, plan.BodyBytes, plan.Duration, plan.Ramp));
        Assert.Equal(new SlaSpec(40, 80.5, 4), plan.Sla);
        Assert.True(plan.AllowLimitBreach);
        // The smoke preset's faults keep their times and take the new client counts.
        Assert.Equal(
            [new FaultSpec(FaultKind.SlowConsumers, 4, 2, Clients: 7), new FaultSpec(FaultKind.Partition, 6, 2, Clients: 9)],
            plan.Faults.OrderBy(f => f.Kind));
    }

    [Fact]
    public void Without_options_the_seed_scenario_is_run_against_the_gateway()
    {
        var (options, parsed) = Parse("--gateway", Gateway);

        Assert.Equal(StormPresets.Get(StormPresets.Seed) with { Gateways = [Gateway] }, options.ToPlan(parsed), new PlanComparer());
    }

    [Fact]
    public void No_faults_removes_every_fault_and_a_fault_option_after_it_adds_one_back()
    {
        var (options, parsed) = Parse("--gateway", Gateway, "--no-faults", "--fuzz", "10");

        var fault = Assert.Single(options.ToPlan(parsed).Faults);
        Assert.Equal((FaultKind.Fuzz, 10), (fault.Kind, fault.Clients));
    }

    [Fact]
    public void Zero_removes_that_fault_only()
    {
        var (options, parsed) = Parse("--gateway", Gateway, "--scenario", "seed", "--slow-consumers", "0");

        Assert.DoesNotContain(options.ToPlan(parsed).Faults, f => f.Kind == FaultKind.SlowConsumers);
        Assert.Contains(options.ToPlan(parsed).Faults, f => f.Kind == FaultKind.Partition);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--users")]
    [InlineData("--rate", "fast")]
    [InlineData("--users", "1.5")]
    public void Mistakes_are_parse_errors(params string[] args)
    {
        var (_, parsed) = Parse(["--gateway", Gateway, .. args]);

        Assert.NotEmpty(parsed.Errors);
    }

    [Fact]
    public void A_missing_gateway_is_a_parse_error()
    {
        var (_, parsed) = Parse("--scenario", "smoke");

        Assert.Contains(parsed.Errors, e => e.Message.Contains("--gateway", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_scenario_says_which_there_are()
    {
        var (options, parsed) = Parse("--gateway", Gateway, "--scenario", "huge");

        var error = Assert.Throws<FormatException>(() => options.ToPlan(parsed));
        Assert.Contains("smoke, seed, 10k, chaos, overload", error.Message);
    }

    [Fact]
    public void The_chaos_preset_has_every_fault_kind_but_the_surge_which_the_overload_preset_has_and_the_later_latency()
    {
        var chaos = StormPresets.Get(StormPresets.Chaos) with { Gateways = [Gateway, "ws://127.0.0.1:5002/gateway?v=1"] };
        var overload = StormPresets.Get(StormPresets.Overload) with { Gateways = [Gateway] };

        // Chaos keeps the layout it had before the latency kind came, so its runs stay comparable across waves.
        Assert.Equal(Enum.GetValues<FaultKind>().Where(k => k is not (FaultKind.Surge or FaultKind.Latency)).Order(), chaos.Faults.Select(f => f.Kind).Distinct().Order());
        Assert.Empty(StormPlanValidator.Validate(chaos));
        Assert.Equal(FaultKind.Surge, Assert.Single(overload.Faults).Kind);
        Assert.True(overload.Tiers is { High: > 0, Normal: > 0, Low: > 0 });
        Assert.Empty(StormPlanValidator.Validate(overload));
    }

    [Fact]
    public void Tiers_and_a_surge_reach_the_plan()
    {
        var (options, parsed) = Parse("--gateway", Gateway, "--scenario", "seed", "--tiers", "0.2,0.3,0.5", "--surge", "4");

        var plan = options.ToPlan(parsed);
        Assert.Equal(new TierMix(0.2, 0.3, 0.5), plan.Tiers);
        var surge = Assert.Single(plan.Faults, f => f.Kind == FaultKind.Surge);
        Assert.Equal((4.0, 30.0), (surge.Factor, surge.Duration));
        Assert.Equal(plan.Ramp + plan.Duration / 5, surge.At);
        Assert.Empty(StormPlanValidator.Validate(plan));
    }

    [Fact]
    public void A_surge_of_zero_removes_the_presets_surge()
    {
        var (options, parsed) = Parse("--gateway", Gateway, "--scenario", "overload", "--surge", "0");

        Assert.DoesNotContain(options.ToPlan(parsed).Faults, f => f.Kind == FaultKind.Surge);
    }

    [Theory]
    [InlineData("0.2,0.8")]
    [InlineData("a,b,c")]
    [InlineData("0.2,-0.1,0.9")]
    public void Tiers_that_are_not_three_shares_are_refused_with_the_form_they_take(string tiers)
    {
        var (options, parsed) = Parse("--gateway", Gateway, "--tiers", tiers);

        var error = Assert.Throws<FormatException>(() => options.ToPlan(parsed));
        Assert.Contains("high,normal,low", error.Message);
    }

    private static (StormOptions Options, System.CommandLine.ParseResult Parsed) Parse(params string[] args)
    {
        var (root, options) = StormCli.Create();
        return (options, root.Parse(args));
    }

    // Records with list members compare lists by reference; compare the plan by value.
    private sealed class PlanComparer : IEqualityComparer<StormPlan>
    {
        public bool Equals(StormPlan? x, StormPlan? y) =>
            x is not null && y is not null && x with { Gateways = [], Faults = [] } == y with { Gateways = [], Faults = [] }
            && x.Gateways.SequenceEqual(y.Gateways) && x.Faults.SequenceEqual(y.Faults);

        public int GetHashCode(StormPlan obj) => obj.Users;
    }
}
