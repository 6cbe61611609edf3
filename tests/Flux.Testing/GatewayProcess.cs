using System.Diagnostics;
using System.Reflection;
using System.Text;
using Flux.Protocol.Admin;
using Grpc.Net.Client;

namespace Flux.Testing;

/// <summary>
/// A real gateway in its own process (<c>dotnet Flux.Gateway.dll</c>), for faults a gateway in the test's own
/// process cannot survive: the kill-gateway fault ends the process with SIGKILL. Like an operator's supervisor (the
/// AppHost, or bench/storm-local.sh), it can start the gateway again on the same ports once it has died.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _redis;
    private readonly StringBuilder _output = new();
    private readonly CancellationTokenSource _stop = new();
    private Process? _process;
    private Task _supervising = Task.CompletedTask;

    private GatewayProcess(string redis, int httpPort, int grpcPort)
    {
        _redis = redis;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public Uri WebSocketUri => new($"ws://127.0.0.1:{HttpPort}/gateway?v=1");

    public Uri GrpcUri => new($"http://127.0.0.1:{GrpcPort}");

    /// <summary>How many times the process has exited while supervised (and was started again).</summary>
    public int Restarts { get; private set; }

    /// <summary>A client of its admin service that presents the admin key.</summary>
    public GatewayAdmin.GatewayAdminClient Admin { get; private set; } = null!;

    public static async Task<GatewayProcess> StartAsync(string redisConnectionString)
    {
        var gateway = new GatewayProcess(redisConnectionString, FreePort.Next(), FreePort.Next());
        gateway.Admin = new GatewayAdmin.GatewayAdminClient(AdminKey.Attach(GrpcChannel.ForAddress(gateway.GrpcUri), TestKeys.AdminKey));
        await gateway.StartProcessAsync().ConfigureAwait(false);
        return gateway;
    }

    /// <summary>From now on, whenever the process exits, start it again on the same ports, as a supervisor would.</summary>
    public void Supervise() => _supervising = SuperviseAsync();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _supervising.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process?.Dispose();
        _stop.Dispose();
    }

    /// <summary>What the process wrote, for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    private async Task SuperviseAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _process!.WaitForExitAsync(_stop.Token).ConfigureAwait(false);
            Restarts++;
            _process.Dispose();
            await StartProcessAsync().ConfigureAwait(false);
        }
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", GatewayAssembly() },
            WorkingDirectory = Path.GetDirectoryName(GatewayAssembly())!,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{HttpPort}";
        start.Environment["GRPC_PORT"] = GrpcPort.ToString();
        start.Environment["ConnectionStrings__redis"] = _redis;
        start.Environment["Auth__SigningKey"] = TestKeys.SigningKey;
        start.Environment["Admin__Key"] = TestKeys.AdminKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
        var process = ChildProcess.StartCapturing(start, _output, "the gateway process");
        _process = process;
        await ChildProcess.WaitUntilHealthyAsync(process, new Uri($"http://127.0.0.1:{HttpPort}/health"), StartTimeout, () => Output, "the gateway", _stop.Token)
            .ConfigureAwait(false);
    }

    private static string GatewayAssembly() =>
        typeof(GatewayProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "GatewayAssembly").Value!;
}
