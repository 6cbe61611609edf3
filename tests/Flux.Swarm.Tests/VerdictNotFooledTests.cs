using System.Text.Json;
using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Reports;
using Flux.Swarm.Cli;
using Flux.Swarm.Runs;
using Flux.Testing;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>
/// The verdict cannot be fooled: storms against a relay that breaks one of the gateway's promises in front of a real
/// gateway each fail, with that cause and exactly the count of what the relay did. Most run the headless CLI, as a
/// gateway author would; those that need a fault run the same storm in this process. The SLA is loose where latency is
/// not the point, so only the broken promise can fail those runs.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class VerdictNotFooledTests : IClassFixture<GatewayPairFixture>, IDisposable
{
    private const int Every = 40;
    private const int Users = 20;
    private const int Guilds = 2;
    private const int Members = Users / Guilds;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan AllJoined = TimeSpan.FromSeconds(1.5); // the ramp is 1 s

    private readonly GatewayPairFixture _gateways;
    private readonly ITestOutputHelper _output;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flux-tests", "verdict-" + Guid.NewGuid().ToString("N"));

    public VerdictNotFooledTests(GatewayPairFixture gateways, ITestOutputHelper output)
    {
        _gateways = gateways;
        _output = output;
        Environment.SetEnvironmentVariable("Auth__SigningKey", TestKeys.SigningKey);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("Auth__SigningKey", null);
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(Misbehavior.Duplicate, "duplicates", "duplicated deliveries")]
    [InlineData(Misbehavior.Reorder, "reordered", "reordered deliveries")]
    [InlineData(Misbehavior.Drop, "lost", "lost deliveries")]
    public async Task A_gateway_that_breaks_the_delivery_promise_fails_the_storm(Misbehavior misbehavior, string counter, string cause)
    {
        await using var relay = MisbehavingRelay.Start(_gateways.First.WebSocketUri, misbehavior, Every);

        var (exit, root) = await RunCliAsync(relay, misbehavior.ToString());

        AssertFailedWith(exit, root, relay, cause);
        // Counted exactly: each misbehaviour is one wrong delivery (a held frame the relay never got to send is a loss).
        long counted = root.GetProperty(counter).GetInt64();
        Assert.InRange(counted, 1, relay.Misbehaved);
        if (misbehavior != Misbehavior.Reorder) Assert.Equal(relay.Misbehaved, counted);
        // The relay drops one recipient's copy at a time: every loss is a hole in a stream, none a send nobody received.
        if (misbehavior == Misbehavior.Drop)
        {
            Assert.Equal(0, root.GetProperty("details").GetProperty("lost_never_received").GetInt64());
            // And says where: each hole with its user, guild and seqs (others received them, so their send time is known).
            var runs = root.GetProperty("details").GetProperty("lost_runs").EnumerateArray().ToList();
            Assert.InRange(runs.Count, 1, 20);
            string runId = root.GetProperty("run_id").GetString()!;
            Assert.All(runs, run =>
            {
                Assert.StartsWith(runId, run.GetProperty("user").GetString());
                Assert.StartsWith(runId, run.GetProperty("guild").GetString());
                Assert.True(run.GetProperty("first_seq").GetInt64() is > 0 and var first && first <= run.GetProperty("last_seq").GetInt64());
                Assert.True(run.GetProperty("sent_at_s").GetDouble() >= 0);
            });
            long listed = runs.Sum(r => r.GetProperty("count").GetInt64());
            Assert.True(runs.Count < 20 ? listed == counted : listed <= counted, $"{listed} listed of {counted} lost");
            // The report says how the drain ended: settled (a hole below what a user received never fills: the gateway
            // sends a guild's seqs in order), or given up waiting for a dropped last message.
            Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("the drain s", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_retried_publish_under_a_new_seq_is_a_duplicate_though_every_seq_is_gap_free()
    {
        // Every 7th seq of a guild is published twice; the copy takes the next seq and the later ones move up.
        await using var relay = MisbehavingRelay.Start(_gateways.First.WebSocketUri, Misbehavior.Republish, new RelayOptions(Every: 7));

        var (exit, root) = await RunCliAsync(relay, "republish");

        AssertFailedWith(exit, root, relay, "duplicated deliveries");
        Assert.Equal(relay.Misbehaved, root.GetProperty("duplicates").GetInt64());
        Assert.Equal((0L, 0L), (root.GetProperty("lost").GetInt64(), root.GetProperty("reordered").GetInt64()));
    }

    [Fact]
    public async Task A_senders_sends_published_out_of_order_are_reordered_and_the_sender_is_named()
    {
        // Every 2nd send of a connection is passed on after its next one: the gateway gives the later one the lower seq.
        // Each user sends about once a second, so a held send waits up to 1.5 s for the next, and the run is 6 s long (at
        // 300 ms and 3 s, two to four sends were swapped a run, and a CI run once saw none at all).
        await using var relay = MisbehavingRelay.Start(_gateways.First.WebSocketUri, Misbehavior.ReorderSends,
            new RelayOptions(Every: 2, QuietFor: AllJoined, HoldMs: 1_500));

        var (exit, root) = await RunCliAsync(relay, "reorder-sends", durationSeconds: 6);

        AssertFailedWith(exit, root, relay, "reordered deliveries");
        // Each swap reaches every member of the sender's guild, the sender too: one reorder each.
        Assert.Equal(relay.Misbehaved * Members, root.GetProperty("reordered").GetInt64());
        var senders = root.GetProperty("details").GetProperty("reordered_senders");
        Assert.NotEmpty(senders.EnumerateObject());
        Assert.All(senders.EnumerateObject(), s => Assert.Contains("-u", s.Name, StringComparison.Ordinal));
        Assert.Equal(0, root.GetProperty("lost").GetInt64());
    }

    [Theory]
    [InlineData(Misbehavior.StripTs, 1)]
    [InlineData(Misbehavior.ForgeTs, 20)]
    [InlineData(Misbehavior.AlterBody, 20)]
    [InlineData(Misbehavior.AlterFrom, 20)]
    public async Task A_message_changed_on_its_way_is_corrupted_and_its_latency_still_comes_from_the_swarms_clock(Misbehavior misbehavior, int every)
    {
        await using var relay = MisbehavingRelay.Start(_gateways.First.WebSocketUri, misbehavior, new RelayOptions(Every: every));

        var (exit, root) = await RunCliAsync(relay, misbehavior.ToString());

        AssertFailedWith(exit, root, relay, "corrupted deliveries");
        Assert.Equal(relay.Misbehaved, root.GetProperty("corrupted").GetInt64());
        // Latency runs from the send time in the sender's ledger, not from the echoed ts: with every ts stripped, every
        // delivery still has its latency.
        Assert.Equal(root.GetProperty("delivered").GetInt64(), root.GetProperty("latency_ms").GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task A_clean_run_is_never_failed_and_a_fixed_delay_reads_as_that_delay()
    {
        // Every frame to the users held 20 ms, the whole run: an honest measurement cannot read less.
        await using var relay = MisbehavingRelay.Start(_gateways.First.WebSocketUri, Misbehavior.Stall,
            new RelayOptions(WindowFor: TimeSpan.FromMinutes(5), StallMs: 20));

        var (exit, root) = await RunCliAsync(relay, "clean-delayed");

        string verdict = root.GetProperty("verdict").GetString() ?? "";
        _output.WriteLine($"exit {exit}; verdict: {verdict}");
        // Passed; or, on a machine too busy for the swarm to keep its own schedule (CI, beside a browser test), honestly
        // inconclusive for that reason alone. Never failed: the delay is not a fault.
        Assert.True(CleanRun.IsNotFailed(exit, verdict), $"exit {exit}: {verdict}");
        double p50 = root.GetProperty("latency_ms").GetProperty("p50").GetDouble();
        // At least the delay (it cannot be hidden); the upper bound is loose: a busy CI machine adds its own wait.
        Assert.InRange(p50, 20, 80);
        Assert.Equal(0, root.GetProperty("corrupted").GetInt64());
    }

    [Fact]
    public async Task A_surge_in_a_plan_without_a_high_tier_is_judged_on_every_user_and_a_stall_during_it_fails()
    {
        // Every user normal; the relay holds everything 400 ms from 4 s to 7 s, while the surge is on.
        await using var relay = MisbehavingRelay.Start(_gateways.First.WebSocketUri, Misbehavior.Stall,
            new RelayOptions(WindowFrom: TimeSpan.FromSeconds(4), WindowFor: TimeSpan.FromSeconds(3), StallMs: 400));
        var plan = Plan with
        {
            Duration = 9,
            Faults = [new FaultSpec(FaultKind.Surge, At: 3, Duration: 5, Factor: 1.5)],
            Sla = new SlaSpec(P95Ms: 150, P99Ms: 300, Window: 2),
        };

        var report = await InProcessStorm.RunAsync(plan, [new GatewayTarget("relay", relay.WebSocketUri, null)], _output);

        // Failed; or, on a machine too busy for the swarm to keep its schedule (seen once in CI: send lag p99 22.8 ms), the
        // verdict rightly says inconclusive, since a late swarm can breach an SLA by itself. Either way the breach is
        // judged on every user and listed as a cause.
        Assert.True(report.Outcome == StormOutcomes.Failed || (report.Outcome == StormOutcomes.Inconclusive && report.Generator.Saturated),
            $"{report.Outcome}: {report.Verdict}");
        Assert.False(report.Sla.Passed);
        Assert.Contains(report.Causes, c => c.StartsWith("SLA violated", StringComparison.Ordinal) && c.Contains("judged on every healthy user", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.Contains("no high-tier users", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_4012_to_users_a_slow_consumer_fault_did_not_pick_is_judged_as_if_no_fault_were_active()
    {
        // Two users stop reading from 3 s to 6 s; at 4 s the relay closes every user's connection with 4012.
        await using var relay = MisbehavingRelay.Start(_gateways.First.WebSocketUri, Misbehavior.CloseWith4012,
            new RelayOptions(WindowFrom: TimeSpan.FromSeconds(4), WindowFor: TimeSpan.FromSeconds(1)));
        var plan = Plan with { Duration = 8, Faults = [new FaultSpec(FaultKind.SlowConsumers, At: 3, Duration: 3, Clients: 2)] };

        var report = await InProcessStorm.RunAsync(plan, [new GatewayTarget("relay", relay.WebSocketUri, null)], _output);

        // Every connection open at 4 s was closed: the two picked users' closes are the fault's, the rest are nobody's.
        var slow = report.Faults.Single(f => f.Kind == "slow-consumers");
        long picked = slow.Closes.GetValueOrDefault("4012");
        Assert.InRange(picked, 0, 2);
        Assert.True(slow.WithinAllowance, string.Join("; ", slow.Exceeded));
        long others = relay.Misbehaved - picked;
        // The relay closed connections of users the fault did not pick (how many were open in its window varies with the
        // machine's load: 3 to 18 of 20 were seen), and every one of them is judged.
        Assert.True(others > 0, $"{relay.Misbehaved} closed, {picked} of them picked: the relay closed nobody else's connection");
        Assert.Equal(others, report.OutsideFaults.Closes.GetValueOrDefault("4012"));
        Assert.Contains($"outside any fault: {others} unexpected closes with 4012 (slow_consumer)", report.Causes);
        Assert.Equal(StormOutcomes.Failed, report.Outcome);
        Assert.Equal(0, report.Lost);
    }

    [Fact]
    public async Task A_send_dropped_before_a_1011_close_is_lost_when_a_later_send_was_published_first()
    {
        // Redis restarts at 2 s (the fault allows 1011 closes until 16 s); from 9 s the relay drops a user's next send,
        // passes its next one on, then closes it with 1011, as a gateway that read the first and lost it would. Redis must
        // be back by then, so that the next send is published (the proof): on a starved CI machine it was not yet at 6 s,
        // the next sends were refused, and the dropped ones rightly counted as unconfirmed, not lost.
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);
        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString);
        await using var relay = MisbehavingRelay.Start(gateway.WebSocketUri, Misbehavior.DropSendThenClose1011,
            new RelayOptions(Every: 1, WindowFrom: TimeSpan.FromSeconds(9), WindowFor: TimeSpan.FromSeconds(2)));
        var plan = Plan with { Duration = 14, Faults = [new FaultSpec(FaultKind.RestartRedis, At: 2, Duration: 9)] };

        var report = await InProcessStorm.RunAsync(plan, [new GatewayTarget("relay", relay.WebSocketUri, gateway.Admin)], _output, redis.ConnectionString);

        Assert.True(relay.Misbehaved > 0, "the relay dropped no send");
        // Nobody received a dropped send: each is lost once for every member of its guild.
        Assert.Equal(relay.Misbehaved * Members, report.Lost);
        Assert.Equal(report.Lost, report.Details.LostNeverReceived);
        Assert.Equal(StormOutcomes.Failed, report.Outcome);
        Assert.Contains(report.Causes, c => c.Contains($"{report.Lost:N0} lost deliveries", StringComparison.Ordinal));
    }

    /// <summary>20 users in 2 guilds at 1 msg/s each, a 1 s ramp; the SLA loose.</summary>
    private static StormPlan Plan => new()
    {
        Scenario = "verdict",
        Users = Users,
        Guilds = Guilds,
        Rate = 20,
        Ramp = 1,
        Duration = 5,
        Sla = new SlaSpec(5_000, 10_000, 30),
    };

    private async Task<(int Exit, JsonElement Report)> RunCliAsync(MisbehavingRelay relay, string name, int durationSeconds = 3)
    {
        string report = Path.Combine(_directory, $"{name}.json");
        int exit = await StormCli.RunAsync(
        [
            "--gateway", relay.WebSocketUri.ToString(), "--scenario", "smoke", "--users", $"{Users}", "--guilds", $"{Guilds}", "--rate", "20",
            "--duration", $"{durationSeconds}", "--ramp", "1", "--no-faults", "--p95", "5000", "--p99", "10000", "--report", report,
        ]).WaitAsync(CommandTimeout);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        var root = json.RootElement.Clone();
        _output.WriteLine($"relay misbehaved {relay.Misbehaved} times; exit {exit}; verdict: {root.GetProperty("verdict").GetString()}");
        return (exit, root);
    }

    private static void AssertFailedWith(int exit, JsonElement root, MisbehavingRelay relay, string cause)
    {
        Assert.True(relay.Misbehaved > 0, "the relay never misbehaved: the storm sent too little");
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.False(root.GetProperty("passed").GetBoolean());
        Assert.Equal("failed", root.GetProperty("outcome").GetString());
        Assert.True(root.GetProperty("sla").GetProperty("passed").GetBoolean(), "the SLA failed, so this proves nothing about the delivery checks");
        Assert.Contains(cause, root.GetProperty("verdict").GetString());
    }
}
