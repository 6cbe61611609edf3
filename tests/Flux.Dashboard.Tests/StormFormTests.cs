using Bunit;
using Flux.Dashboard.Components.Storms;
using Flux.Protocol.Storms;

namespace Flux.Dashboard.Tests;

/// <summary>The storm form: presets fill it, bad values are explained, and Start hands over the plan as shown.</summary>
public sealed class StormFormTests : BunitContext
{
    [Fact]
    public void Starts_with_the_smoke_preset_and_no_errors()
    {
        var form = Render<StormForm>();

        Assert.Equal("100", form.Find("[data-testid=users]").GetAttribute("value"));
        Assert.Empty(form.FindAll("[data-testid=plan-errors] li"));
        Assert.False(form.Find("[data-testid=start-storm]").HasAttribute("disabled"));
        Assert.True(form.Find("[data-testid=stop-storm]").HasAttribute("disabled"));
    }

    [Fact]
    public void Choosing_a_preset_fills_every_field()
    {
        var form = Render<StormForm>();

        form.Find("[data-testid=preset]").Change(StormPresets.Seed);

        var seed = StormPresets.Get(StormPresets.Seed);
        Assert.Equal(seed.Users.ToString(), form.Find("[data-testid=users]").GetAttribute("value"));
        Assert.Equal(seed.Rate.ToString(), form.Find("[data-testid=rate]").GetAttribute("value"));
        Assert.Equal(seed.Faults.Count, form.FindAll(".faults-table tbody tr").Count);
        var plan = form.Instance.Plan;
        Assert.Equal(seed.Faults, plan.Faults);
        string[] none = [];
        Assert.Equal(seed with { Gateways = none, Faults = [] }, plan with { Gateways = none, Faults = [] });
    }

    [Theory]
    [InlineData("users", "0", "users must be between")]
    [InlineData("users", "200000", "users must be between")]
    [InlineData("rate", "-5", "rate must be above 0")]
    [InlineData("duration", "0", "duration must be between")]
    [InlineData("guilds", "500", "guilds must be at least 1 and at most the number of users")]
    public void A_bad_value_is_explained_and_start_is_disabled(string field, string value, string message)
    {
        var form = Render<StormForm>();

        form.Find($"[data-testid={field}]").Change(value);

        var errors = form.FindAll("[data-testid=plan-errors] li").Select(li => li.TextContent).ToList();
        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
        Assert.True(form.Find("[data-testid=start-storm]").HasAttribute("disabled"));
    }

    [Fact]
    public void A_fault_outside_the_run_is_explained()
    {
        var form = Render<StormForm>();
        form.Find("[data-testid=duration]").Change("3"); // the smoke preset's faults start at 4 and 6 s; the run is now 5 s

        var errors = form.FindAll("[data-testid=plan-errors] li").Select(li => li.TextContent).ToList();
        Assert.Contains(errors, e => e.Contains("start must be within the run", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_hands_over_the_plan_with_the_edited_values()
    {
        StormPlan? started = null;
        var form = Render<StormForm>(p => p.Add(f => f.OnStart, (StormPlan plan) => started = plan));
        form.Find("[data-testid=users]").Change("80");

        form.Find("[data-testid=start-storm]").Click();

        Assert.NotNull(started);
        Assert.Equal(80, started.Users);
        Assert.Equal(StormPresets.Smoke, started.Scenario);
    }

    [Fact]
    public void A_peer_target_asks_for_its_urls_drops_faults_it_cannot_take_and_starts_with_them()
    {
        StormPlan? started = null;
        var form = Render<StormForm>(p => p.Add(f => f.OnStart, (StormPlan plan) => started = plan));

        form.Find("[data-testid=target]").Change(TargetNames.SignalR);

        Assert.Empty(form.FindAll(".faults-table tbody tr")); // the smoke preset's partition and slow consumers need Flux
        var errors = form.FindAll("[data-testid=plan-errors] li").Select(li => li.TextContent).ToList();
        Assert.Contains("a signalr target needs its server URLs in gateways.", errors);
        Assert.True(form.Find("[data-testid=start-storm]").HasAttribute("disabled"));

        form.Find("[data-testid=target-urls]").Change("ws://127.0.0.1:5310, ws://127.0.0.1:5311");
        form.Find("[data-testid=start-storm]").Click();

        Assert.NotNull(started);
        Assert.Equal(TargetKind.SignalR, started.Target);
        Assert.Equal(["ws://127.0.0.1:5310", "ws://127.0.0.1:5311"], started.Gateways);
    }

    [Fact]
    public void Back_to_flux_the_urls_are_left_to_the_swarm()
    {
        var form = Render<StormForm>();
        form.Find("[data-testid=target]").Change(TargetNames.SocketIo);
        form.Find("[data-testid=target-urls]").Change("ws://127.0.0.1:5320");

        form.Find("[data-testid=target]").Change(TargetNames.Flux);

        Assert.Empty(form.FindAll("[data-testid=target-urls]"));
        Assert.Equal((TargetKind.Flux, 0), (form.Instance.Plan.Target, form.Instance.Plan.Gateways.Count));
        Assert.Empty(form.FindAll("[data-testid=plan-errors] li"));
    }

    [Fact]
    public void Every_fault_kind_can_be_chosen_and_an_edit_lands_in_the_plan()
    {
        var form = Render<StormForm>();
        form.Find("[data-testid=add-fault]").Click();
        var row = form.FindAll("[data-testid=fault-row]")[^1];

        var kinds = row.QuerySelectorAll("[data-testid=fault-kind] option").Select(o => o.TextContent).ToList();
        Assert.Equal(Enum.GetValues<FaultKind>().Select(FaultSpec.KindName), kinds);

        row.QuerySelector("[data-testid=fault-kind]")!.Change(FaultKind.KillGateway.ToString());
        var added = form.Instance.Plan.Faults[^1];
        Assert.Equal(FaultKind.KillGateway, added.Kind);
        Assert.Equal(StormPresets.Get(StormPresets.Smoke).Faults.Count + 1, form.Instance.Plan.Faults.Count);
    }

    [Fact]
    public void Removing_a_fault_removes_that_one()
    {
        var form = Render<StormForm>();
        var before = form.Instance.Plan.Faults;

        form.FindAll("[data-testid=fault-row]")[0].QuerySelector("button")!.Click();

        Assert.Equal(before.Skip(1), form.Instance.Plan.Faults);
    }

    [Fact]
    public void Allow_limit_breach_is_part_of_the_plan_handed_over()
    {
        StormPlan? started = null;
        var form = Render<StormForm>(p => p.Add(f => f.OnStart, (StormPlan plan) => started = plan));

        form.Find("[data-testid=allow-limit-breach]").Change(true);
        form.Find("[data-testid=start-storm]").Click();

        Assert.True(started?.AllowLimitBreach);
    }

    [Fact]
    public void Tier_and_sla_edits_change_only_their_field()
    {
        var form = Render<StormForm>();
        var before = form.Instance.Plan;

        form.FindAll(".triple input")[2].Change("0.25"); // tiers: low
        form.FindAll(".triple input")[4].Change("80");   // SLA: p99

        Assert.Equal(before with { Tiers = before.Tiers with { Low = 0.25 }, Sla = before.Sla with { P99Ms = 80 } }, form.Instance.Plan);
    }

    [Fact]
    public void While_a_storm_runs_only_stop_is_enabled()
    {
        var form = Render<StormForm>(p => p.Add(f => f.Running, true));

        Assert.True(form.Find("[data-testid=start-storm]").HasAttribute("disabled"));
        Assert.False(form.Find("[data-testid=stop-storm]").HasAttribute("disabled"));
    }
}
