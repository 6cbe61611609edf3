using System.Text.Json;
using Flux.Swarm.Cli;
using Flux.Testing;

namespace Flux.Swarm.Tests;

/// <summary>The headless <c>storm</c> command, run in this process: its exit codes against a real gateway.</summary>
[Collection(StormCollection.Name)]
public sealed class StormCommandTests : IClassFixture<GatewayPairFixture>, IDisposable
{
    /// <summary>The command's own bound (probe, storm, drain) is far below this; it only keeps a hang from stalling the run.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly GatewayPairFixture _gateways;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flux-tests", "storm-cli-" + Guid.NewGuid().ToString("N"));

    public StormCommandTests(GatewayPairFixture gateways)
    {
        _gateways = gateways;
        // The command mints tokens with the gateways' key, read from the environment as in production.
        Environment.SetEnvironmentVariable("Auth__SigningKey", TestKeys.SigningKey);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("Auth__SigningKey", null);
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--users")]
    [InlineData("--rate", "fast")]
    [InlineData("--scenario", "huge")]
    [InlineData("--users", "0")]                 // parses, but the plan is invalid
    public async Task Bad_usage_exits_2(params string[] options)
    {
        int exit = await RunAsync(["--gateway", _gateways.First.WebSocketUri.ToString(), .. options]);

        Assert.Equal(ExitCodes.UsageOrConnection, exit);
    }

    [Fact]
    public async Task No_gateway_exits_2()
    {
        Assert.Equal(ExitCodes.UsageOrConnection, await RunAsync(["--scenario", "smoke"]));
    }

    [Fact]
    public async Task An_unreachable_gateway_exits_2()
    {
        string nothingListening = $"ws://127.0.0.1:{FreePort.Next()}/gateway?v=1";

        int exit = await RunAsync(["--gateway", nothingListening, "--scenario", "smoke", "--no-faults"]);

        Assert.Equal(ExitCodes.UsageOrConnection, exit);
    }

    [Fact]
    public async Task A_storm_that_holds_its_SLA_and_loses_nothing_exits_0_and_writes_both_reports()
    {
        string report = Path.Combine(_directory, "pass.json");

        // The SLA limits are loose on purpose: this checks the exit code of a passing run, not the machine's latency.
        int exit = await RunAsync([.. SmallStorm(), "--p95", "500", "--p99", "1000", "--report", report]);

        Assert.True(File.Exists(report), "no JSON report");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        Assert.True(exit == ExitCodes.Passed, $"exit {exit}: {json.RootElement.GetProperty("verdict").GetString()}");
        Assert.True(json.RootElement.GetProperty("sla").GetProperty("passed").GetBoolean());
        Assert.Equal(0, json.RootElement.GetProperty("lost").GetInt64());
        Assert.True(json.RootElement.GetProperty("delivered").GetInt64() > 0);
        string markdown = await File.ReadAllTextAsync(Path.ChangeExtension(report, ".md"));
        Assert.Contains("**PASSED**", markdown);
    }

    [Fact]
    public async Task A_storm_whose_SLA_cannot_hold_exits_1()
    {
        string report = Path.Combine(_directory, "fail.json");

        // No real delivery takes a microsecond, so every second breaches and the one-second window alerts.
        int exit = await RunAsync([.. SmallStorm(), "--p95", "0.001", "--p99", "0.001", "--sla-window", "1", "--report", report]);

        Assert.Equal(ExitCodes.Failed, exit);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.NotEmpty(json.RootElement.GetProperty("sla").GetProperty("violations").EnumerateArray());
        Assert.StartsWith("SLA violated", json.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("lost").GetInt64()); // failed on latency alone
    }

    private string[] SmallStorm() =>
    [
        "--gateway", _gateways.First.WebSocketUri.ToString(), "--gateway", _gateways.Second.WebSocketUri.ToString(),
        "--scenario", "smoke", "--users", "20", "--guilds", "2", "--rate", "20", "--duration", "3", "--ramp", "1", "--no-faults",
    ];

    private static Task<int> RunAsync(string[] args) => StormCli.RunAsync(args).WaitAsync(CommandTimeout);
}
