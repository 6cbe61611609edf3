using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;
using FaultKind = Flux.Protocol.Storms.FaultKind;

namespace Flux.Protocol.Tests.Storms;

/// <summary>
/// Every fault kind is defined once, in <see cref="FaultKinds"/>: the table covers the enum, names are the CLI's and the
/// reports', the proto carries every kind and its fields, and the validator asks the kind about its own fields.
/// </summary>
public sealed class FaultKindsTests
{
    public static TheoryData<FaultKind> Kinds() => [.. Enum.GetValues<FaultKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_has_its_definition_under_its_own_value(FaultKind kind)
    {
        Assert.Equal(kind, FaultKinds.Of(kind).Kind);
        Assert.Same(FaultKinds.Of(kind), FaultKinds.Named(FaultKinds.Of(kind).Name));
    }

    [Fact]
    public void Names_are_kebab_case_and_unique()
    {
        Assert.Equal("slow-consumers", FaultKinds.NameOf(FaultKind.SlowConsumers));
        Assert.Equal("kill-gateway", FaultKinds.NameOf(FaultKind.KillGateway));
        Assert.Equal("latency", FaultKinds.NameOf(FaultKind.Latency));
        Assert.Equal(FaultKinds.All.Count, FaultKinds.All.Select(k => k.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_crosses_the_proto_with_its_fields(FaultKind kind)
    {
        var fault = new FaultSpec(kind, At: 3, Duration: 2, Clients: 4, MegabytesPerSecond: 50, Gateway: 0, Factor: 2, DelayMs: 120);
        var plan = new StormPlan { Faults = [fault] };

        var message = plan.ToMessage();
        var back = message.ToPlan();

        Assert.NotEqual(Flux.Protocol.Control.FaultKind.Unspecified, message.Faults[0].Kind);
        Assert.Equal(fault, Assert.Single(back.Faults));
    }

    [Fact]
    public void A_fault_kind_the_swarm_does_not_know_is_refused_with_its_number()
    {
        var message = new StormPlan().ToMessage();
        message.Faults.Add(new FaultMessage { Kind = (Flux.Protocol.Control.FaultKind)99, AtS = 1, DurationS = 1 });

        var error = Assert.Throws<ArgumentException>(() => message.ToPlan());

        Assert.Contains("99", error.Message);
    }

    [Fact]
    public void A_latency_fault_needs_a_delay_and_a_gateway_in_the_list()
    {
        var plan = new StormPlan
        {
            Gateways = ["ws://127.0.0.1:5000/gateway?v=1"],
            Faults = [new FaultSpec(FaultKind.Latency, At: 1, Duration: 2, Gateway: 3, DelayMs: 0)],
        };

        var errors = StormPlanValidator.Validate(plan);

        Assert.Contains(errors, e => e.StartsWith("fault 1 (Latency): delay must be between 1 and", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("fault 1 (Latency): gateway must be -1 (all)", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Only_kinds_that_run_against_peers_are_allowed_in_a_peer_storm(FaultKind kind)
    {
        var plan = new StormPlan
        {
            Target = TargetKind.SignalR,
            Gateways = ["ws://127.0.0.1:5000/hub"],
            Faults = [new FaultSpec(kind, At: 1, Duration: 2, Clients: 1, MegabytesPerSecond: 10, Factor: 2, DelayMs: 10)],
        };

        bool refused = StormPlanValidator.Validate(plan).Any(e => e.Contains("needs Flux's gateway", StringComparison.Ordinal));

        Assert.Equal(!FaultKinds.Of(kind).RunsAgainstPeers, refused);
    }
}
