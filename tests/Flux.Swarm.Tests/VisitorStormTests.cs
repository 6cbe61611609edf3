using Flux.Protocol.Storms;
using Flux.Protocol.Wire;
using Flux.Swarm.Runs;
using Flux.Testing;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>
/// A person chatting inside a storm (docs/protocol.md, "Visitors"): their messages take seqs in the guild and reach the
/// swarm's users, who count them apart, as foreign; they never spoil the books. A sender who is neither the swarm nor a
/// visitor is a message nobody sent: corrupted.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class VisitorStormTests(GatewayPairFixture gateways, ITestOutputHelper output) : IClassFixture<GatewayPairFixture>
{
    // 100 users in 4 guilds at 100 msg/s, no faults: 1 s ramp, then 6 s steady.
    private static readonly StormPlan Plan = StormPresets.Get(StormPresets.Smoke) with { Duration = 6, Ramp = 1, Faults = [] };

    [Fact]
    public async Task A_visitors_messages_are_counted_as_foreign_and_nothing_else()
    {
        int members = 0;
        var roundTrips = new List<double>();
        var report = await InProcessStorm.RunAsync(Plan, gateways.Targets, output, during: async run =>
        {
            var storm = run.Context;
            string guild = storm.Layout.GuildIds[0];
            members = storm.Layout.GuildSizes[0];
            string visitor = VisitorBook.PrefixFor(run.Id) + "0123abcd";
            storm.Visitors.Admit(visitor, guild);
            // Once every user is in (after the ramp), five messages, each awaited as a person would: send, see it come back.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            await using var person = await TestClient.IdentifyAsync(gateways.Second.WebSocketUri, TestKeys.Token(visitor, guild));
            for (int i = 0; i < 5; i++)
            {
                var sent = System.Diagnostics.Stopwatch.StartNew();
                await person.SendMessageAsync(guild, $"v-{i}", $"hello from a person, {i}");
                await person.ReceiveUntilAsync(f => f.Op == ServerOp.Message && f.Nonce == $"v-{i}", TimeSpan.FromSeconds(10));
                double roundTripMs = sent.Elapsed.TotalMilliseconds;
                roundTrips.Add(roundTripMs);
                Assert.True(storm.Visitors.RecordEcho(visitor, roundTripMs));
            }
        });

        Assert.Equal((0L, 0L, 0L, 0L, 0L), (report.Lost, report.Duplicates, report.Reordered, report.Corrupted, report.UnexpectedDisconnects));
        Assert.Equal(5L * members, report.Foreign);
        Assert.Equal(report.ExpectedDeliveries, report.Delivered);
        Assert.Equal(report.Delivered, report.LatencyMs.Count + report.Cohorts.Values.Sum(c => c.LatencyMs.Count));
        Assert.NotNull(report.Visitors);
        Assert.Equal((1, 5L), (report.Visitors.People, report.Visitors.Echoes));
        Assert.InRange(report.Visitors.RoundTripMs.Max, roundTrips.Max() - 0.01, roundTrips.Max() * 1.01 + 0.01);
    }

    [Fact]
    public async Task A_message_from_someone_who_is_neither_the_swarm_nor_a_visitor_is_corrupted_and_fails_the_storm()
    {
        int members = 0;
        var report = await InProcessStorm.RunAsync(Plan, gateways.Targets, output, during: async run =>
        {
            string guild = run.Context.Layout.GuildIds[1];
            members = run.Context.Layout.GuildSizes[1];
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            // Mallory holds a valid token for the guild, but the swarm never let her in: her message is nobody's it sent.
            await using var mallory = await TestClient.IdentifyAsync(gateways.First.WebSocketUri, TestKeys.Token("mallory", guild));
            await mallory.SendMessageAsync(guild, "m-1", "not from the swarm");
            await mallory.ReceiveUntilAsync(f => f.Op == ServerOp.Message && f.Nonce == "m-1", TimeSpan.FromSeconds(10));
        });

        Assert.Equal(members, report.Corrupted);
        Assert.Equal(0, report.Foreign);
        Assert.Equal("failed", report.Outcome);
        Assert.Contains("corrupted", report.Verdict, StringComparison.Ordinal);
    }
}
