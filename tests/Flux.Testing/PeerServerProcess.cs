using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Flux.Testing;

/// <summary>The peer servers of bench/peers that the swarm benchmarks Flux against.</summary>
public enum PeerKind
{
    /// <summary>bench/peers/signalr: an ASP.NET Core SignalR hub with the Redis backplane.</summary>
    SignalR,

    /// <summary>bench/peers/socketio: Node Socket.IO 4 with @socket.io/redis-adapter.</summary>
    SocketIo,
}

/// <summary>
/// One replica of a peer server in its own process on a loopback port, sharing a real Redis with its other replicas,
/// started as bench/peers/start.sh starts it. The Socket.IO peer's packages are installed with <c>npm ci</c> from its
/// lock file the first time (npm's registry must be reachable then).
/// </summary>
public sealed class PeerServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly SemaphoreSlim NpmInstall = new(1, 1);

    private readonly StringBuilder _output = new();
    private Process? _process;

    private PeerServerProcess(PeerKind kind, int port)
    {
        Kind = kind;
        Port = port;
    }

    public PeerKind Kind { get; }

    public int Port { get; }

    /// <summary>The URL a storm names for this replica (the swarm's dialect adds the path and the token).</summary>
    public Uri ServerUri => new($"ws://127.0.0.1:{Port}");

    /// <summary>What the process wrote, for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<PeerServerProcess> StartAsync(PeerKind kind, string redis)
    {
        var server = new PeerServerProcess(kind, FreePort.Next());
        if (kind == PeerKind.SocketIo) await EnsurePackagesAsync().ConfigureAwait(false);
        try
        {
            await server.StartProcessAsync(redis).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process?.Dispose();
    }

    private async Task StartProcessAsync(string redis)
    {
        var start = Kind == PeerKind.SignalR
            ? new ProcessStartInfo("dotnet") { ArgumentList = { "exec", Metadata("SignalRPeerAssembly") } }
            : new ProcessStartInfo("node") { ArgumentList = { "server.js" } };
        start.WorkingDirectory = Kind == PeerKind.SignalR ? Path.GetDirectoryName(Metadata("SignalRPeerAssembly"))! : SocketIoDirectory;
        start.Environment["PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}";
        start.Environment["Redis"] = redis;
        start.Environment["Auth__SigningKey"] = TestKeys.SigningKey;
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
        _process = ChildProcess.StartCapturing(start, _output, $"the {Kind} peer");
        await ChildProcess.WaitUntilHealthyAsync(_process, new Uri($"http://127.0.0.1:{Port}/health"), StartTimeout, () => Output, $"the {Kind} peer")
            .ConfigureAwait(false);
    }

    // npm ci once per test run when the packages are missing (CI's .ci/run installs them first).
    private static async Task EnsurePackagesAsync()
    {
        await NpmInstall.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Directory.Exists(Path.Combine(SocketIoDirectory, "node_modules", "socket.io"))) return;
            var start = new ProcessStartInfo("npm") { ArgumentList = { "ci", "--no-audit", "--no-fund" }, WorkingDirectory = SocketIoDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            using var npm = Process.Start(start) ?? throw new InvalidOperationException("could not run npm");
            var output = npm.StandardOutput.ReadToEndAsync();
            var errors = npm.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await npm.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                npm.Kill(entireProcessTree: true);
                throw new TimeoutException($"npm ci in {SocketIoDirectory} took over 3 minutes");
            }
            if (npm.ExitCode != 0) throw new InvalidOperationException($"npm ci in {SocketIoDirectory} failed ({npm.ExitCode}): {await output.ConfigureAwait(false)}{await errors.ConfigureAwait(false)}");
        }
        finally
        {
            NpmInstall.Release();
        }
    }

    private static string SocketIoDirectory => Path.GetFullPath(Metadata("SocketIoPeerDirectory"));

    private static string Metadata(string key) =>
        typeof(PeerServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
