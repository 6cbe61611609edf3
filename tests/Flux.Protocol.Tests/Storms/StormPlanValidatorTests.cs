using Flux.Protocol.Storms;

namespace Flux.Protocol.Tests.Storms;

/// <summary>A plan is checked before a run; each broken rule yields one message that names its field.</summary>
public sealed class StormPlanValidatorTests
{
    private const string LocalGateway = "ws://127.0.0.1:5080/ws";

    private static readonly StormPlan Valid = new() { Gateways = [LocalGateway] };

    private static readonly Dictionary<string, (StormPlan Plan, string Field)> BrokenPlans = new()
    {
        ["no users"] = (Valid with { Users = 0, Guilds = 1 }, "users"),
        ["too many users"] = (Valid with { Users = StormPlanValidator.MaxUsers + 1 }, "users"),
        ["no guilds"] = (Valid with { Guilds = 0 }, "guilds"),
        ["more guilds than users"] = (Valid with { Users = 3, Guilds = 4 }, "guilds"),
        ["zipf exponent zero"] = (Valid with { GuildSizes = GuildSizes.Zipf, ZipfExponent = 0 }, "zipf exponent"),
        ["zipf exponent too large"] = (Valid with { GuildSizes = GuildSizes.Zipf, ZipfExponent = 5.5 }, "zipf exponent"),
        ["zero rate"] = (Valid with { Rate = 0 }, "rate"),
        ["rate too high"] = (Valid with { Rate = StormPlanValidator.MaxRate + 1 }, "rate"),
        ["empty body"] = (Valid with { BodyBytes = 0 }, "body bytes"),
        ["body above the wire limit"] = (Valid with { BodyBytes = 2001 }, "body bytes"),
        ["duration below a second"] = (Valid with { Duration = 0.5 }, "duration"),
        ["duration above an hour"] = (Valid with { Duration = StormPlanValidator.MaxSeconds + 1 }, "duration"),
        ["negative ramp"] = (Valid with { Ramp = -1 }, "ramp"),
        ["ramp above an hour"] = (Valid with { Ramp = StormPlanValidator.MaxSeconds + 1 }, "ramp"),
        ["negative tier share"] = (Valid with { Tiers = new TierMix(-0.1, 1, 0) }, "tier"),
        ["all tier shares zero"] = (Valid with { Tiers = new TierMix(0, 0, 0) }, "tier"),
        ["sla p95 zero"] = (Valid with { Sla = new SlaSpec(0, 100, 10) }, "SLA p95"),
        ["sla p99 negative"] = (Valid with { Sla = new SlaSpec(50, -1, 10) }, "p99"),
        ["sla window zero"] = (Valid with { Sla = new SlaSpec(50, 100, 0) }, "SLA window"),
        ["no gateways"] = (Valid with { Gateways = [] }, "gateway"),
        ["http gateway"] = (Valid with { Gateways = ["http://127.0.0.1:5080/ws"] }, "'http://127.0.0.1:5080/ws' must be an absolute ws:// or wss:// URL"),
        ["relative gateway"] = (Valid with { Gateways = ["/ws"] }, "'/ws' must be an absolute ws:// or wss:// URL"),
        ["remote gateway"] = (Valid with { Gateways = ["wss://chat.example.com/ws"] }, "'wss://chat.example.com/ws' is not on this machine"),
        ["fault before the run"] = (WithFault(new FaultSpec(FaultKind.Partition, At: -1, Duration: 2, Clients: 1)), "fault 1 (Partition): start"),
        ["fault after the run"] = (WithFault(new FaultSpec(FaultKind.Partition, At: 12, Duration: 2, Clients: 1)), "fault 1 (Partition): start"),
        ["fault without clients"] = (WithFault(new FaultSpec(FaultKind.SlowConsumers, At: 1, Duration: 2, Clients: 0)), "fault 1 (SlowConsumers): clients"),
        ["fault with more clients than users"] = (WithFault(new FaultSpec(FaultKind.Partition, At: 1, Duration: 2, Clients: 101)), "fault 1 (Partition): clients"),
        ["fault without duration"] = (WithFault(new FaultSpec(FaultKind.SlowConsumers, At: 1, Duration: 0, Clients: 1)), "fault 1 (SlowConsumers): duration"),
        ["fault longer than an hour"] = (WithFault(new FaultSpec(FaultKind.GcPressure, At: 1, Duration: 3601, MegabytesPerSecond: 1)), "fault 1 (GcPressure): duration"),
        ["gc pressure without rate"] = (WithFault(new FaultSpec(FaultKind.GcPressure, At: 1, Duration: 2, MegabytesPerSecond: 0)), "fault 1 (GcPressure): MB/s"),
        ["gc pressure too high"] = (WithFault(new FaultSpec(FaultKind.GcPressure, At: 1, Duration: 2, MegabytesPerSecond: 5000)), "fault 1 (GcPressure): MB/s"),
        ["gc pressure on a gateway past the list"] = (WithFault(new FaultSpec(FaultKind.GcPressure, At: 1, Duration: 2, MegabytesPerSecond: 1, Gateway: 1)), "fault 1 (GcPressure): gateway"),
        ["surge without a factor"] = (WithFault(new FaultSpec(FaultKind.Surge, At: 1, Duration: 5)), "fault 1 (Surge): factor"),
        ["surge factor too high"] = (WithFault(new FaultSpec(FaultKind.Surge, At: 1, Duration: 5, Factor: 21)), "fault 1 (Surge): factor"),
        ["surge past the highest rate"] = (WithFault(new FaultSpec(FaultKind.Surge, At: 1, Duration: 5, Factor: 20)) with { Rate = 20_000 }, "fault 1 (Surge): the surge's peak rate"),
        ["signalr target with a partition"] = (WithFault(new FaultSpec(FaultKind.Partition, At: 1, Duration: 2, Clients: 1)) with { Target = TargetKind.SignalR },
            "fault Partition needs Flux's gateway"),
        ["drain of gateway -2"] = (WithFault(new FaultSpec(FaultKind.Drain, At: 1, Duration: 0, Gateway: -2)), "fault 1 (Drain): gateway"),
    };

    public static TheoryData<string> BrokenPlanNames => new(BrokenPlans.Keys);

    public static TheoryData<string> PresetNames => new(StormPresets.Names);

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void Every_preset_with_two_loopback_gateways_is_valid(string preset)
    {
        // Two, because the chaos preset kills one gateway and drains the other.
        var plan = StormPresets.Get(preset) with { Gateways = [LocalGateway, "ws://127.0.0.1:5081/ws"] };

        Assert.Empty(StormPlanValidator.Validate(plan));
    }

    [Fact]
    public void The_default_plan_with_a_loopback_gateway_is_valid()
    {
        Assert.Empty(StormPlanValidator.Validate(Valid));
    }

    [Theory]
    [MemberData(nameof(BrokenPlanNames))]
    public void Each_broken_rule_yields_one_error_naming_its_field(string name)
    {
        var (plan, field) = BrokenPlans[name];

        var errors = StormPlanValidator.Validate(plan);

        string error = Assert.Single(errors);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ws://localhost:5080/ws")]
    [InlineData("ws://127.0.0.1:5080/ws")]
    [InlineData("ws://127.10.20.30/ws")]
    [InlineData("wss://[::1]:5443/ws")]
    public void Loopback_gateways_are_allowed(string gateway)
    {
        Assert.Empty(StormPlanValidator.Validate(Valid with { Gateways = [gateway] }));
    }

    [Theory]
    [InlineData("wss://chat.example.com/ws")]
    [InlineData("ws://10.0.0.5:5080/ws")]
    [InlineData("ws://[2001:db8::1]/ws")]
    public void Remote_gateways_are_allowed_only_when_asked_for(string gateway)
    {
        var plan = Valid with { Gateways = [gateway] };

        Assert.Single(StormPlanValidator.Validate(plan));
        Assert.Empty(StormPlanValidator.Validate(plan, allowRemoteGateways: true));
    }

    [Fact]
    public void A_non_websocket_gateway_is_refused_even_when_remote_gateways_are_allowed()
    {
        var errors = StormPlanValidator.Validate(Valid with { Gateways = ["https://chat.example.com/ws"] }, allowRemoteGateways: true);

        Assert.Contains("ws:// or wss://", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_drain_needs_no_duration_and_may_target_any_listed_gateway()
    {
        var plan = Valid with
        {
            Gateways = [LocalGateway, "ws://127.0.0.1:5081/ws"],
            Faults = [new FaultSpec(FaultKind.Drain, At: 3, Duration: 0, Gateway: 1), new FaultSpec(FaultKind.Drain, At: 4, Duration: 0, Gateway: -1)],
        };

        Assert.Empty(StormPlanValidator.Validate(plan));
    }

    [Fact]
    public void A_fault_may_start_during_the_ramp_but_not_at_the_very_end()
    {
        var during = WithFault(new FaultSpec(FaultKind.Partition, At: 0, Duration: 1, Clients: 1));
        var atEnd = WithFault(new FaultSpec(FaultKind.Partition, At: Valid.TotalSeconds, Duration: 1, Clients: 1));

        Assert.Empty(StormPlanValidator.Validate(during));
        Assert.Single(StormPlanValidator.Validate(atEnd));
    }

    [Fact]
    public void Faults_are_numbered_from_one_in_their_messages()
    {
        var plan = Valid with
        {
            Faults = [new FaultSpec(FaultKind.Partition, At: 1, Duration: 1, Clients: 1), new FaultSpec(FaultKind.SlowConsumers, At: 1, Duration: 1, Clients: 0)],
        };

        Assert.StartsWith("fault 2 (SlowConsumers)", Assert.Single(StormPlanValidator.Validate(plan)), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once()
    {
        var plan = Valid with { Users = 0, Rate = 0, BodyBytes = 0, Gateways = [] };

        Assert.Equal(5, StormPlanValidator.Validate(plan).Count); // users, guilds (> users), rate, body bytes, gateways
    }

    [Fact]
    public void A_peer_target_needs_its_urls_even_where_the_swarm_fills_in_its_own_gateways()
    {
        var plan = Valid with { Target = TargetKind.SocketIo, Gateways = [] };

        Assert.Contains("a socketio target needs its server URLs in gateways.", StormPlanValidator.Validate(plan, gatewaysRequired: false));
    }

    [Fact]
    public void A_peer_target_may_surge()
    {
        var plan = WithFault(new FaultSpec(FaultKind.Surge, At: 1, Duration: 5, Factor: 3)) with { Target = TargetKind.SocketIo };

        Assert.Empty(StormPlanValidator.Validate(plan));
    }

    private static StormPlan WithFault(FaultSpec fault) => Valid with { Faults = [fault] };
}
