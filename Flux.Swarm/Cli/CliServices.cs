using System.Diagnostics.Metrics;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Cli;

/// <summary>Metrics and logging for a headless storm; telemetry goes over OTLP only if OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
internal sealed class CliServices : IDisposable
{
    private readonly ServiceProvider _provider;

    private CliServices(ServiceProvider provider)
    {
        _provider = provider;
        Metrics = new SwarmMetrics(provider.GetRequiredService<IMeterFactory>());
        Logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Flux.Swarm.Storm");
    }

    public SwarmMetrics Metrics { get; }

    public ILogger Logger { get; }

    public static CliServices Create()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        // Progress is on the console already; only warnings (SLA alerts, faults that failed) are logged.
        services.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        return new CliServices(services.BuildServiceProvider());
    }

    public void Dispose() => _provider.Dispose();
}
