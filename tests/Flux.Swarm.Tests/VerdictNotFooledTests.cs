using System.Text.Json;
using Flux.Swarm.Cli;
using Flux.Testing;
using Xunit.Abstractions;

namespace Flux.Swarm.Tests;

/// <summary>
/// The verdict cannot be fooled: the headless storm, run against a relay that duplicates, reorders or silently drops
/// every 40th message a real gateway sends, counts exactly that and exits 1 with the cause in its verdict. The SLA is
/// loose on purpose, so only the delivery promise can fail these runs.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class VerdictNotFooledTests : IClassFixture<GatewayPairFixture>, IDisposable
{
    private const int Every = 40;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

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
        string report = Path.Combine(_directory, $"{misbehavior}.json");

        int exit = await StormCli.RunAsync(
        [
            "--gateway", relay.WebSocketUri.ToString(), "--scenario", "smoke", "--users", "20", "--guilds", "2", "--rate", "20",
            "--duration", "3", "--ramp", "1", "--no-faults", "--p95", "5000", "--p99", "10000", "--report", report,
        ]).WaitAsync(CommandTimeout);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        var root = json.RootElement;
        string verdict = root.GetProperty("verdict").GetString()!;
        _output.WriteLine($"relay misbehaved {relay.Misbehaved} times; exit {exit}; verdict: {verdict}");
        Assert.True(relay.Misbehaved > 0, "the relay never misbehaved: the storm sent too little");
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.False(root.GetProperty("passed").GetBoolean());
        Assert.Equal("failed", root.GetProperty("outcome").GetString());
        Assert.True(root.GetProperty("sla").GetProperty("passed").GetBoolean(), "the SLA failed, so this proves nothing about the delivery checks");
        // Counted exactly: each misbehaviour is one wrong delivery (a held frame the relay never got to send is a loss).
        long counted = root.GetProperty(counter).GetInt64();
        Assert.InRange(counted, 1, relay.Misbehaved);
        if (misbehavior != Misbehavior.Reorder) Assert.Equal(relay.Misbehaved, counted);
        // The relay drops one recipient's copy at a time: every loss is a hole in a stream, none a send nobody received.
        if (misbehavior == Misbehavior.Drop)
        {
            Assert.Equal(0, root.GetProperty("details").GetProperty("lost_never_received").GetInt64());
            // The report says how the drain ended: settled (a hole below what a user received never fills: the gateway
            // sends a guild's seqs in order), or given up waiting for a dropped last message.
            Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("the drain s", StringComparison.Ordinal));
        }
        Assert.Contains(cause, verdict);
    }
}
