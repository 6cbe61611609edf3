using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using FaultKind = Flux.Protocol.Storms.FaultKind;

namespace Flux.Protocol.Tests.Storms;

/// <summary>The plan crosses gRPC as <see cref="StormPlanMessage"/> and comes back unchanged.</summary>
public sealed class StormPlanMappingTests
{
    private static readonly StormPlan EveryFieldSet = new()
    {
        Scenario = "custom-check",
        Users = 321,
        Guilds = 17,
        GuildSizes = GuildSizes.Zipf,
        ZipfExponent = 1.25,
        Rate = 456.5,
        BodyBytes = 99,
        Duration = 42.5,
        Ramp = 3.25,
        Tiers = new TierMix(0.1, 0.6, 0.3),
        Gateways = ["ws://127.0.0.1:5080/ws", "wss://localhost:5443/ws"],
        Target = TargetKind.SignalR,
        Faults =
        [
            new FaultSpec(FaultKind.SlowConsumers, At: 5, Duration: 2.5, Clients: 7),
            new FaultSpec(FaultKind.Partition, At: 6.5, Duration: 3, Clients: 11),
            new FaultSpec(FaultKind.GcPressure, At: 8, Duration: 4, MegabytesPerSecond: 150.5, Gateway: 1),
            new FaultSpec(FaultKind.Drain, At: 20, Duration: 0, Gateway: 0),
            new FaultSpec(FaultKind.Surge, At: 22, Duration: 10, Factor: 4.5),
            new FaultSpec(FaultKind.Latency, At: 30, Duration: 5, Gateway: 1, DelayMs: 150),
        ],
        Sla = new SlaSpec(35, 80.5, 7),
    };

    [Fact]
    public void A_plan_round_trips_through_its_message_with_every_field()
    {
        var back = EveryFieldSet.ToMessage().ToPlan();

        AssertSamePlan(EveryFieldSet, back);
    }

    [Fact]
    public void A_plan_round_trips_through_the_protobuf_bytes()
    {
        byte[] bytes = Google.Protobuf.MessageExtensions.ToByteArray(EveryFieldSet.ToMessage());

        var back = StormPlanMessage.Parser.ParseFrom(bytes).ToPlan();

        AssertSamePlan(EveryFieldSet, back);
    }

    [Fact]
    public void ToMessage_writes_every_field()
    {
        var message = EveryFieldSet.ToMessage();

        Assert.Equal("custom-check", message.Scenario);
        Assert.Equal((321, 17, GuildSizeDistribution.Zipf, 1.25), (message.Users, message.Guilds, message.GuildSizes, message.ZipfExponent));
        Assert.Equal((456.5, 99, 42.5, 3.25), (message.Rate, message.BodyBytes, message.DurationS, message.RampS));
        Assert.Equal((0.1, 0.6, 0.3), (message.TierHigh, message.TierNormal, message.TierLow));
        Assert.Equal((35.0, 80.5, 7.0), (message.SlaP95Ms, message.SlaP99Ms, message.SlaWindowS));
        Assert.Equal(EveryFieldSet.Gateways, message.Gateways);
        Assert.Equal(
            [Control.FaultKind.SlowConsumers, Control.FaultKind.Partition, Control.FaultKind.GcPressure, Control.FaultKind.Drain, Control.FaultKind.Surge,
                Control.FaultKind.Latency],
            message.Faults.Select(f => f.Kind));
        Assert.Equal(4.5, message.Faults[4].Factor);
        Assert.Equal(150, message.Faults[5].DelayMs);
        Assert.Equal(-1, message.Faults[0].Gateway);
        Assert.Equal(150.5, message.Faults[2].MegabytesPerSecond);
    }

    [Theory]
    [InlineData(StormPresets.Seed)]
    [InlineData(StormPresets.TenThousand)]
    [InlineData(StormPresets.Smoke)]
    public void A_message_naming_only_a_scenario_yields_that_preset(string scenario)
    {
        var plan = new StormPlanMessage { Scenario = scenario }.ToPlan();

        AssertSamePlan(StormPresets.Get(scenario), plan);
    }

    [Fact]
    public void An_empty_message_yields_the_default_plan()
    {
        AssertSamePlan(new StormPlan(), new StormPlanMessage().ToPlan());
    }

    [Fact]
    public void Fields_given_in_a_message_override_the_preset()
    {
        var plan = new StormPlanMessage { Scenario = StormPresets.Seed, Users = 50, SlaP99Ms = 70 }.ToPlan();
        var seed = StormPresets.Get(StormPresets.Seed);

        Assert.Equal(50, plan.Users);
        Assert.Equal(seed.Guilds, plan.Guilds);
        Assert.Equal(new SlaSpec(seed.Sla.P95Ms, 70, seed.Sla.Window), plan.Sla);
        Assert.Equal(seed.Faults, plan.Faults);
    }

    [Fact]
    public void Each_preset_round_trips_through_its_message()
    {
        foreach (string name in StormPresets.Names)
        {
            var preset = StormPresets.Get(name) with { Gateways = ["ws://127.0.0.1:5080/ws"] };

            AssertSamePlan(preset, preset.ToMessage().ToPlan());
        }
    }

    [Fact]
    public void An_unspecified_fault_kind_is_refused()
    {
        var message = new StormPlanMessage { Scenario = "custom" };
        message.Faults.Add(new FaultMessage { Kind = Control.FaultKind.Unspecified, AtS = 1, DurationS = 1, Clients = 1 });

        var ex = Assert.Throws<ArgumentException>(() => message.ToPlan());

        Assert.Contains("unspecified", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", TargetKind.Flux)]
    [InlineData("signalr", TargetKind.SignalR)]
    [InlineData("socketio", TargetKind.SocketIo)]
    [InlineData("Socket.IO", TargetKind.SocketIo)]
    public void The_target_is_read_by_name(string name, TargetKind expected)
    {
        var plan = new StormPlanMessage { Scenario = "custom", Target = name }.ToPlan();

        Assert.Equal(expected, plan.Target);
    }

    [Fact]
    public void An_unknown_target_is_refused_with_the_names_it_could_be()
    {
        var message = new StormPlanMessage { Scenario = "custom", Target = "mqtt" };

        var ex = Assert.Throws<ArgumentException>(() => message.ToPlan());

        Assert.Contains("'mqtt' is not one of flux, signalr, socketio", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertSamePlan(StormPlan expected, StormPlan actual)
    {
        Assert.Equal(expected.Target, actual.Target);
        Assert.Equal(expected.Scenario, actual.Scenario);
        Assert.Equal(expected.Users, actual.Users);
        Assert.Equal(expected.Guilds, actual.Guilds);
        Assert.Equal(expected.GuildSizes, actual.GuildSizes);
        Assert.Equal(expected.ZipfExponent, actual.ZipfExponent);
        Assert.Equal(expected.Rate, actual.Rate);
        Assert.Equal(expected.BodyBytes, actual.BodyBytes);
        Assert.Equal(expected.Duration, actual.Duration);
        Assert.Equal(expected.Ramp, actual.Ramp);
        Assert.Equal(expected.Tiers, actual.Tiers);
        Assert.Equal(expected.Gateways, actual.Gateways);
        Assert.Equal(expected.Faults, actual.Faults);
        Assert.Equal(expected.Sla, actual.Sla);
        // Record equality over the rest catches a field added to StormPlan but not to the mapping.
        IReadOnlyList<string> noGateways = [];
        IReadOnlyList<FaultSpec> noFaults = [];
        Assert.Equal(expected with { Gateways = noGateways, Faults = noFaults }, actual with { Gateways = noGateways, Faults = noFaults });
    }
}
