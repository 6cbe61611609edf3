using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Flux.Testing;

public enum RedisKind
{
    /// <summary>Flux.EmbeddedRedis: Microsoft Garnet in its own process.</summary>
    Embedded,

    /// <summary>redis-server from PATH.</summary>
    Server,
}

/// <summary>A real Redis-protocol server in a child process on a loopback port, stoppable and restartable for outage tests.</summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly RedisKind _kind;
    private readonly string _dataDirectory;
    private Process? _process;
    private readonly StringBuilder _output = new();

    private readonly bool _persistent;
    private readonly IReadOnlyList<string> _embeddedArgs;

    private RedisServerProcess(RedisKind kind, int port, bool persistent, IReadOnlyList<string> embeddedArgs)
    {
        _kind = kind;
        _persistent = persistent;
        _embeddedArgs = embeddedArgs;
        Port = port;
        _dataDirectory = Path.Combine(Path.GetTempPath(), "flux-tests", $"redis-{kind}-{port}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dataDirectory);
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static bool IsRedisServerInstalled => FindOnPath("redis-server") is not null;

    /// <param name="persistent">
    /// With an append-only file (the default, as Flux runs it), or without any persistence, so that a restart comes
    /// back empty. The embedded Garnet always keeps its append-only file.
    /// </param>
    /// <param name="embeddedArgs">More options for Flux.EmbeddedRedis (such as <c>--checkpoint-above</c>), at every start.</param>
    public static async Task<RedisServerProcess> StartAsync(RedisKind kind = RedisKind.Embedded, bool persistent = true, IReadOnlyList<string>? embeddedArgs = null)
    {
        var server = new RedisServerProcess(kind, FreePort.Next(), persistent, embeddedArgs ?? []);
        await server.StartProcessAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Kills the server abruptly, as an outage would.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Stops the server as <c>kill -TERM</c> (a user's Ctrl+C, the AppHost's stop) does, and waits for it to exit.</summary>
    public async Task TerminateAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts again on the same port with the same data.</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>
    /// Kills the server and starts it again on the same port with nothing: its append-only file is deleted first,
    /// as after a crash of a server that kept no persistence.
    /// </summary>
    public async Task RestartEmptyAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Directory.Delete(_dataDirectory, recursive: true);
        Directory.CreateDirectory(_dataDirectory);
        await StartProcessAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartProcessAsync()
    {
        var start = _kind == RedisKind.Embedded
            ? new ProcessStartInfo("dotnet", ["exec", EmbeddedAssembly(), "--port", Port.ToString(), "--data", _dataDirectory, .. _embeddedArgs])
            : new ProcessStartInfo(FindOnPath("redis-server") ?? throw new InvalidOperationException("redis-server is not installed"))
            {
                // From its absolute path and with DEBUG allowed locally, so DEBUG RESTART (the restart-redis fault) works.
                ArgumentList =
                {
                    "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", _persistent ? "yes" : "no",
                    "--dir", _dataDirectory, "--enable-debug-command", "local",
                },
            };
        _process = ChildProcess.StartCapturing(start, _output, "the Redis process");

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_kind} Redis exited with {_process.ExitCode}: {Output}");
            }
            if (await PingAsync().ConfigureAwait(false)) return;
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException($"{_kind} Redis did not answer PING within 30 s: {Output}");
    }

    /// <summary>Everything the process wrote to stdout and stderr, over every start.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[16];
            int read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string EmbeddedAssembly() =>
        typeof(RedisServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EmbeddedRedisAssembly").Value!;

    internal static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
