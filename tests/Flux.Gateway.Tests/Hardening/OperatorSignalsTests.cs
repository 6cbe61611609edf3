using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Flux.Protocol.Admin;
using Flux.Protocol.Wire;
using Flux.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Flux.Gateway.Tests.Hardening;

/// <summary>
/// What the gateway tells operators and clients at its edges: close codes as metric tags only when documented, 1011
/// reasons without Redis's own words, its uptime, and a 503 with Retry-After for an upgrade during a drain.
/// </summary>
public sealed class OperatorSignalsTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_close_code_the_client_chose_becomes_a_metric_tag_only_when_it_is_documented()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);
        var factory = gateway.Services.GetRequiredService<IMeterFactory>();
        var codes = new List<object?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "flux.gateway.connections.closed" && ReferenceEquals(instrument.Meter.Scope, factory)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "flux.close.code") lock (codes) codes.Add(tag.Value);
            }
        });
        listener.Start();

        foreach (int code in new[] { 4999, 3123, 1000 })
        {
            using var socket = new ClientWebSocket();
            await socket.ConnectAsync(gateway.WebSocketUri, CancellationToken.None);
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, "bye", CancellationToken.None);
            while ((await socket.ReceiveAsync(new byte[1024], CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        await WaitUntilAsync(() => { lock (codes) return codes.Count >= 3; });

        lock (codes) Assert.Equal(["other", "other", "1000"], codes.Select(c => c?.ToString()));
    }

    [Fact]
    public async Task The_1011_close_reason_never_carries_redis_error_text()
    {
        await using var redis = await RedisServerProcess.StartAsync(RedisKind.Embedded);
        await using var gateway = await GatewayTestHost.StartAsync(redis.ConnectionString);
        await redis.StopAsync();
        await WaitUntilAsync(() => !gateway.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().IsConnected);

        await using var client = await TestClient.ConnectAsync(gateway.WebSocketUri);
        await client.SendAsync(ClientFrameWriter.Identify(TestKeys.Token("kim", RedisFixture.NewGuild())));
        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal(CloseCodes.InternalError, code);
        Assert.Equal("the message backplane is unavailable; retry with backoff", reason);
    }

    [Fact]
    public async Task Uptime_counts_from_process_start()
    {
        var processUptime = DateTime.Now - Process.GetCurrentProcess().StartTime;
        if (processUptime < TimeSpan.FromSeconds(3)) await Task.Delay(TimeSpan.FromSeconds(3) - processUptime);
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString);

        var stats = await gateway.Admin.GetStatsAsync(new GetStatsRequest());

        double expected = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        Assert.InRange(stats.UptimeS, expected - 1, expected + 1);
    }

    [Fact]
    public async Task An_upgrade_during_a_shutdown_drain_is_answered_503_with_retry_after()
    {
        await using var gateway = await GatewayTestHost.StartAsync(fixture.Redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Gateway:DrainTimeoutMs"] = "3000",
        });
        // A client that upgraded and then never reads or answers: the drain waits for it.
        using var stuck = new TcpClient();
        await stuck.ConnectAsync("127.0.0.1", gateway.HttpPort);
        await stuck.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Upgrade(gateway.HttpPort)));
        await ReadHeadAsync(stuck.GetStream());
        // The 101 goes out a moment before the connection is registered; a drain that starts between them finds none and
        // ends at once (the connection leaves by itself with 1001), and the port closes before the late upgrade below
        // (seen once on a loaded CI machine: refused). The drain must wait for this one.
        await WaitUntilAsync(() => gateway.Services.GetRequiredService<Flux.Gateway.Connections.ConnectionRegistry>().Count == 1);

        var stopping = gateway.StopAsync(); // as SIGTERM does
        await WaitUntilAsync(() => gateway.Services.GetRequiredService<Flux.Gateway.Connections.DrainCoordinator>().IsDraining);
        using var late = new TcpClient();
        await late.ConnectAsync("127.0.0.1", gateway.HttpPort);
        await late.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Upgrade(gateway.HttpPort)));
        string head = await ReadHeadAsync(late.GetStream());

        Assert.StartsWith("HTTP/1.1 503", head);
        Assert.Contains("Retry-After: 1", head, StringComparison.OrdinalIgnoreCase);
        await stopping;
    }

    private static string Upgrade(int port) =>
        $"GET /gateway?v=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, timeout.Token) == 0) break;
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 20 s");
            await Task.Delay(50);
        }
    }
}
