using Flux.Protocol.Storms;
using Flux.Swarm.Cli;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The <c>storm</c> command line: every option, and a clear FormatException for every mistake (exit code 2).</summary>
public sealed class StormArgumentsTests
{
    private const string Gateway = "ws://127.0.0.1:5000/gateway?v=1";

    [Fact]
    public void Every_option_reaches_the_plan()
    {
        var arguments = StormArguments.Parse(
        [
            "--gateway", Gateway, "--gateway", "ws://127.0.0.1:5002/gateway?v=1",
            "--admin", "http://127.0.0.1:5001",
            "--scenario", "smoke", "--users", "250", "--guilds", "5", "--zipf", "1.5", "--rate", "300.5",
            "--body-bytes", "128", "--duration", "20", "--ramp", "3",
            "--p95", "40", "--p99", "80.5", "--sla-window", "4",
            "--slow-consumers", "7", "--partition", "9",
            "--report", "out/storm.json", "--seed", "42",
        ]);

        var plan = arguments.Plan;
        Assert.Equal([Gateway, "ws://127.0.0.1:5002/gateway?v=1"], plan.Gateways);
        Assert.Equal(["http://127.0.0.1:5001"], arguments.AdminUrls);
        Assert.Equal(("out/storm.json", 42), (arguments.ReportPath, arguments.Seed));
        Assert.Equal("smoke", plan.Scenario);
        Assert.Equal((250, 5, GuildSizes.Zipf, 1.5), (plan.Users, plan.Guilds, plan.GuildSizes, plan.ZipfExponent));
        Assert.Equal((300.5, 128, 20.0, 3.0), (plan.Rate, plan.BodyBytes, plan.Duration, plan.Ramp));
        Assert.Equal(new SlaSpec(40, 80.5, 4), plan.Sla);
        // The smoke preset's faults keep their times and take the new client counts.
        Assert.Equal(
            [new FaultSpec(FaultKind.SlowConsumers, 4, 2, Clients: 7), new FaultSpec(FaultKind.Partition, 6, 2, Clients: 9)],
            plan.Faults.OrderBy(f => f.Kind));
    }

    [Fact]
    public void Without_options_the_seed_scenario_is_run_against_the_gateway()
    {
        var arguments = StormArguments.Parse(["--gateway", Gateway]);

        Assert.Equal([Gateway], arguments.Plan.Gateways);
        Assert.Equal(StormPresets.Get("seed") with { Gateways = arguments.Plan.Gateways }, arguments.Plan);
        Assert.Equal((null, null), (arguments.ReportPath, arguments.Seed));
        Assert.Empty(arguments.AdminUrls);
    }

    [Fact]
    public void Options_override_the_scenario_in_whatever_order_they_come()
    {
        var plan = StormArguments.Parse(["--users", "5", "--gateway", Gateway, "--scenario", "smoke"]).Plan;

        Assert.Equal(("smoke", 5, 4), (plan.Scenario, plan.Users, plan.Guilds));
    }

    [Fact]
    public void Slow_consumers_zero_removes_that_fault_only()
    {
        var plan = StormArguments.Parse(["--gateway", Gateway, "--scenario", "smoke", "--slow-consumers", "0"]).Plan;

        var fault = Assert.Single(plan.Faults);
        Assert.Equal(FaultKind.Partition, fault.Kind);
    }

    [Fact]
    public void No_faults_removes_every_fault()
    {
        Assert.Empty(StormArguments.Parse(["--gateway", Gateway, "--no-faults"]).Plan.Faults);
    }

    [Theory]
    [InlineData("--no-faults", "--partition", "7", "--ramp", "3", "--duration", "30")]
    [InlineData("--partition", "7", "--no-faults", "--duration", "30", "--ramp", "3")]
    public void Partition_on_a_plan_without_one_adds_one_a_third_into_the_steady_phase(params string[] options)
    {
        var plan = StormArguments.Parse(["--gateway", Gateway, .. options]).Plan;

        // Ramp 3 s + a third of 30 s, whatever the order of the options.
        Assert.Equal([new FaultSpec(FaultKind.Partition, At: 13, Duration: 5, Clients: 7)], plan.Faults);
    }

    [Theory]
    [InlineData("unknown option '--bogus'", "--gateway", Gateway, "--bogus")]
    [InlineData("--users needs a value", "--gateway", Gateway, "--users")]
    [InlineData("--gateway needs a value", "--gateway")]
    [InlineData("--rate needs a number", "--gateway", Gateway, "--rate", "fast")]
    [InlineData("--users needs a whole number", "--gateway", Gateway, "--users", "1.5")]
    [InlineData("--seed needs a whole number", "--gateway", Gateway, "--seed", "x")]
    [InlineData("--duration needs a number", "--gateway", Gateway, "--duration", "10s")]
    [InlineData("at least one --gateway is required", "--scenario", "smoke")]
    [InlineData("at least one --gateway is required")]
    [InlineData("unknown scenario 'huge'; use one of smoke, seed, 10k", "--gateway", Gateway, "--scenario", "huge")]
    [InlineData("more --admin URLs than --gateway URLs", "--gateway", Gateway, "--admin", "http://a", "--admin", "http://b")]
    public void Mistakes_are_format_errors_that_say_what_is_wrong(string message, params string[] args)
    {
        var error = Assert.Throws<FormatException>(() => StormArguments.Parse(args));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Usage_names_every_option_the_parser_accepts()
    {
        string[] options =
        [
            "--gateway", "--admin", "--scenario", "--report", "--seed", "--users", "--guilds", "--zipf", "--rate", "--body-bytes",
            "--duration", "--ramp", "--p95", "--p99", "--sla-window", "--slow-consumers", "--partition", "--no-faults",
        ];

        Assert.All(options, option => Assert.Contains(option, StormArguments.Usage));
    }
}
