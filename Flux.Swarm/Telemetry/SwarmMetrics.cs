using System.Diagnostics;
using System.Diagnostics.Metrics;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Telemetry;

/// <summary>The <c>Flux.Swarm</c> meter: delivery latency, counts of what was sent, delivered, lost, and the generator's lag.</summary>
internal sealed class SwarmMetrics
{
    public const string MeterName = "Flux.Swarm";

    /// <summary>Sub-millisecond buckets at the low end; storms are judged in tens of milliseconds.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _delivery;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _alerts;
    private int _connections;
    private double _lagSeconds;

    public SwarmMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _delivery = meter.CreateHistogram("flux.message.delivery.duration", "s",
            "From a message's intended send time to its arrival at a recipient, for every recipient.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _sent = meter.CreateCounter<long>("flux.swarm.messages.sent", "{message}", "Messages sent by simulated users.");
        _delivered = meter.CreateCounter<long>("flux.swarm.messages.delivered", "{message}", "Message copies received by simulated users.");
        _lost = meter.CreateCounter<long>("flux.swarm.messages.lost", "{message}", "Expected message copies that never arrived.");
        _duplicates = meter.CreateCounter<long>("flux.swarm.messages.duplicates", "{message}", "Message copies received twice.");
        _alerts = meter.CreateCounter<long>("flux.swarm.sla.alerts", "{alert}", "SLA breaches that lasted the alert window.");
        meter.CreateObservableGauge("flux.swarm.connections", () => Volatile.Read(ref _connections), "{connection}", "Simulated users connected and ready.");
        meter.CreateObservableGauge("flux.swarm.generator.lag", () => Volatile.Read(ref _lagSeconds), "s", "Send lag p99 over the last second: actual minus intended send time.");
    }

    public void Sent() => _sent.Add(1);

    public void Delivered(Cohort cohort, long latencyMicroseconds)
    {
        _delivered.Add(1);
        if (_delivery.Enabled)
        {
            _delivery.Record(latencyMicroseconds / 1e6, new TagList { { "flux.cohort", cohort.ToReportName() } });
        }
    }

    public void Lost(long count) => _lost.Add(count);

    public void Duplicate() => _duplicates.Add(1);

    public void SlaAlert() => _alerts.Add(1);

    public void SetConnections(int connections) => Volatile.Write(ref _connections, connections);

    public void SetGeneratorLag(double milliseconds) => Volatile.Write(ref _lagSeconds, milliseconds / 1000);
}
