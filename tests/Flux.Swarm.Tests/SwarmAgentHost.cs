using System.Diagnostics;
using System.Reflection;
using System.Text;
using Flux.Testing;

namespace Flux.Swarm.Tests;

/// <summary>
/// A real swarm service in its own process (<c>dotnet Flux.Swarm.dll</c>): an agent for distributed storms, on loopback
/// gRPC over HTTP/2. Its own process, so a test can kill it (SIGKILL) as a crashed agent would go.
/// </summary>
internal sealed class SwarmAgentHost : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;

    private SwarmAgentHost(int httpPort, int grpcPort)
    {
        HttpPort = httpPort;
        GrpcUri = new Uri($"http://127.0.0.1:{grpcPort}");
    }

    public int HttpPort { get; }

    public Uri GrpcUri { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<SwarmAgentHost> StartAsync(string redisConnectionString)
    {
        var agent = new SwarmAgentHost(FreePort.Next(), FreePort.Next());
        string assembly = typeof(SwarmAgentHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SwarmAssembly").Value!;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", assembly },
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{agent.HttpPort}";
        start.Environment["GRPC_PORT"] = agent.GrpcUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ConnectionStrings__redis"] = redisConnectionString;
        start.Environment["Auth__SigningKey"] = TestKeys.SigningKey;
        start.Environment["Swarm__WarmUpSeconds"] = "0";
        start.Environment["Swarm__Key"] = TestKeys.SwarmKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
        agent._process = ChildProcess.StartCapturing(start, agent._output, "the swarm agent process");
        try
        {
            await ChildProcess.WaitUntilHealthyAsync(agent._process, new Uri($"http://127.0.0.1:{agent.HttpPort}/health"), StartTimeout, () => agent.Output,
                "the swarm agent", CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await agent.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return agent;
    }

    /// <summary>Ends the process at once, as a crash would: no drain, no goodbye to the coordinator.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
    }
}
