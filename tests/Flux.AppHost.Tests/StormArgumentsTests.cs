using Flux.AppHost.Commands;
using Flux.Protocol.Storms;

namespace Flux.AppHost.Tests;

/// <summary>The "Start storm…" command's arguments: what plan they make, and what each wrong one is told.</summary>
public sealed class StormArgumentsTests
{
    private static readonly Dictionary<string, string> Gateways = new()
    {
        ["gateway-1"] = "ws://localhost:5001/gateway?v=1",
        ["gateway-2"] = "ws://localhost:5002/gateway?v=1",
    };

    private static (StormPlan? Plan, List<(string Input, string Message)> Errors) Parse(params (string Name, string Value)[] values) =>
        StormArguments.Parse(name => values.FirstOrDefault(v => v.Name == name).Value, Gateways);

    [Fact]
    public void Blank_numbers_keep_the_presets_and_the_target_all_leaves_the_gateways_to_the_swarm()
    {
        var (plan, errors) = Parse(("preset", StormPresets.Seed), ("target", StormArguments.AllGateways));

        Assert.Empty(errors);
        var seed = StormPresets.Get(StormPresets.Seed);
        Assert.Equal((seed.Users, seed.Guilds, seed.Rate, seed.Duration, seed.Faults.Count), (plan!.Users, plan.Guilds, plan.Rate, plan.Duration, plan.Faults.Count));
        Assert.Empty(plan.Gateways);
    }

    [Fact]
    public void Every_field_overrides_the_preset_and_one_gateway_is_targeted_by_its_url()
    {
        var (plan, errors) = Parse(("preset", StormPresets.Smoke), ("users", "60"), ("guilds", "3"), ("rate", "45.5"),
            ("duration", "4"), ("target", "gateway-2"), ("faults", "false"));

        Assert.Empty(errors);
        Assert.Equal((60, 3, 45.5, 4.0, 0), (plan!.Users, plan.Guilds, plan.Rate, plan.Duration, plan.Faults.Count));
        Assert.Equal(["ws://localhost:5002/gateway?v=1"], plan.Gateways);
    }

    [Theory]
    [InlineData("preset", "hurricane", "'hurricane' is not a preset")]
    [InlineData("users", "0", "users must be between 1 and 100,000.")]
    [InlineData("users", "ten", "users must be a whole number, not 'ten'.")]
    [InlineData("rate", "NaN", "rate must be a number, not 'NaN'.")]
    [InlineData("faults", "off", "faults must be true or false, not 'off'.")]
    [InlineData("target", "gateway-9", "'gateway-9' is not a gateway; use all or one of gateway-1, gateway-2.")]
    public void A_wrong_argument_is_refused_with_its_own_message_against_its_own_input(string input, string value, string message)
    {
        var values = new Dictionary<string, string> { ["preset"] = StormPresets.Smoke, ["target"] = StormArguments.AllGateways, [input] = value };

        var (plan, errors) = StormArguments.Parse(name => values.GetValueOrDefault(name), Gateways);

        Assert.Null(plan);
        // Its own message first, against its own input (0 users also leaves too few for the guilds and the faults).
        Assert.Equal(input, errors[0].Input);
        Assert.StartsWith(message, errors[0].Message, StringComparison.Ordinal);
    }
}
