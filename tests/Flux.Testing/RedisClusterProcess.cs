using System.Diagnostics;
using System.Text;
using StackExchange.Redis;

namespace Flux.Testing;

/// <summary>
/// A real Redis Cluster of three masters (redis-server with <c>--cluster-enabled yes</c>, joined by
/// <c>redis-cli --cluster create</c>), on loopback ports, without persistence: a node restarted comes back empty but
/// keeps its place in the cluster (its <c>nodes.conf</c>). <c>cluster-require-full-coverage no</c> lets the other
/// shards serve while one is down, as Flux's cluster mode runs it.
/// </summary>
public sealed class RedisClusterProcess : IAsyncDisposable
{
    public const int Nodes = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "flux-tests", $"cluster-{Guid.NewGuid():N}");
    private readonly Process?[] _processes = new Process?[Nodes];
    private readonly StringBuilder _output = new();

    private readonly int[] _busPorts;

    private RedisClusterProcess(int[] ports, int[] busPorts)
    {
        Ports = ports;
        _busPorts = busPorts;
    }

    public IReadOnlyList<int> Ports { get; }

    /// <summary>Every node, as a cluster client is given them.</summary>
    public string ConnectionString => string.Join(',', Ports.Select(p => $"127.0.0.1:{p}"));

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<RedisClusterProcess> StartAsync()
    {
        // Each node's cluster bus gets a free port of its own: the default (port + 10000) may be taken, or past 65535.
        var cluster = new RedisClusterProcess([.. Enumerable.Range(0, Nodes).Select(_ => FreePort.Next())],
            [.. Enumerable.Range(0, Nodes).Select(_ => FreePort.Next())]);
        try
        {
            for (int i = 0; i < Nodes; i++) cluster.StartNode(i);
            await cluster.WaitForPingAsync().ConfigureAwait(false);
            await cluster.CreateAsync().ConfigureAwait(false);
            await cluster.WaitUntilOkAsync().ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The node index that owns <paramref name="key"/>'s slot (by its hash tag, as the cluster computes it).</summary>
    public async Task<int> NodeOfAsync(string key)
    {
        await using var client = await ConnectionMultiplexer.ConnectAsync(ConnectionString).ConfigureAwait(false);
        var endpoint = client.GetServer(client.GetEndPoints()[0]).ClusterConfiguration!.GetBySlot(client.HashSlot(key))!.EndPoint;
        return Ports.ToList().IndexOf(((System.Net.IPEndPoint)endpoint!).Port);
    }

    /// <summary>Kills node <paramref name="index"/> abruptly, as a crash would; its shard is down until it starts again.</summary>
    public async Task StopNodeAsync(int index)
    {
        if (_processes[index] is not { } process) return;
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync().ConfigureAwait(false);
        process.Dispose();
        _processes[index] = null;
    }

    /// <summary>Starts node <paramref name="index"/> again: empty (no persistence), in its old place, and waits for the cluster to be whole.</summary>
    public async Task StartNodeAsync(int index)
    {
        StartNode(index);
        await WaitForPingAsync().ConfigureAwait(false);
        await WaitUntilOkAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = 0; i < Nodes; i++) await StopNodeAsync(i).ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void StartNode(int index)
    {
        string directory = Path.Combine(_directory, $"node-{index}");
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo(RedisServerProcess.FindOnPath("redis-server") ?? throw new InvalidOperationException("redis-server is not installed"))
        {
            ArgumentList =
            {
                "--port", Ports[index].ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-port", _busPorts[index].ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                "--cluster-require-full-coverage", "no", "--save", "", "--appendonly", "no", "--dir", directory,
                // The swarm's restart-redis fault restarts a node in place, as a crash and restart would.
                "--enable-debug-command", "local",
            },
        };
        _processes[index] = ChildProcess.StartCapturing(start, _output, "redis-server");
    }

    private async Task CreateAsync()
    {
        var start = new ProcessStartInfo(RedisServerProcess.FindOnPath("redis-cli") ?? throw new InvalidOperationException("redis-cli is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--cluster");
        start.ArgumentList.Add("create");
        foreach (int port in Ports) start.ArgumentList.Add($"127.0.0.1:{port}");
        foreach (string arg in new[] { "--cluster-replicas", "0", "--cluster-yes" }) start.ArgumentList.Add(arg);
        using var cli = Process.Start(start) ?? throw new InvalidOperationException("could not run redis-cli");
        string output = await cli.StandardOutput.ReadToEndAsync().ConfigureAwait(false) + await cli.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await cli.WaitForExitAsync().ConfigureAwait(false);
        if (cli.ExitCode != 0) throw new InvalidOperationException($"redis-cli --cluster create failed ({cli.ExitCode}): {output}");
    }

    private async Task WaitForPingAsync()
    {
        var waited = Stopwatch.StartNew();
        for (int i = 0; i < Nodes; i++)
        {
            int port = Ports[i];
            while (!await RespondsAsync(port, "PING", "+PONG").ConfigureAwait(false))
            {
                if (_processes[i] is { HasExited: true } exited) throw new InvalidOperationException($"node {port} exited with {exited.ExitCode}: {Output}");
                if (waited.Elapsed > ReadyTimeout) throw new TimeoutException($"node {port} did not answer PING: {Output}");
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    // Every node sees every slot served (cluster_state:ok) and knows all three masters.
    private async Task WaitUntilOkAsync()
    {
        var waited = Stopwatch.StartNew();
        foreach (int port in Ports)
        {
            while (!await RespondsAsync(port, "CLUSTER INFO", "cluster_state:ok", "cluster_known_nodes:3", "cluster_slots_ok:16384").ConfigureAwait(false))
            {
                if (waited.Elapsed > ReadyTimeout) throw new TimeoutException($"node {port} did not report the cluster whole: {Output}");
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> RespondsAsync(int port, string command, params string[] expected)
    {
        try
        {
            await using var client = await ConnectionMultiplexer.ConnectAsync(
                new ConfigurationOptions { EndPoints = { { "127.0.0.1", port } }, AbortOnConnectFail = true, ConnectTimeout = 1000 }).ConfigureAwait(false);
            var server = client.GetServer("127.0.0.1", port);
            string reply = command == "PING" ? ((await server.PingAsync().ConfigureAwait(false)) >= TimeSpan.Zero ? "+PONG" : "")
                : (await server.ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false)).ToString()!;
            return expected.All(e => reply.Contains(e, StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }
}
