using System.Diagnostics;
using System.Diagnostics.Metrics;
using Flux.Swarm.Measurement;

namespace Flux.Swarm.Telemetry;

/// <summary>
/// The <c>Flux.Swarm</c> meter. It keeps no ledger of its own: sends, deliveries and duplicates are read from the runs'
/// own counts (each run registers with <see cref="Track"/>), and delivery latency is fed once a second from the run's
/// exact histograms (<see cref="RecordDeliveries"/>), so nothing on a user's receive path records a metric.
/// </summary>
internal sealed class SwarmMetrics
{
    public const string MeterName = "Flux.Swarm";

    /// <summary>Sub-millisecond buckets at the low end; storms are judged in tens of milliseconds.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
        [0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _delivery;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _alerts;
    private readonly Lock _gate = new();
    private readonly List<Func<StormTotals>> _live = [];
    private StormTotals _finished;
    private int _connections;
    private double _lagSeconds;

    public SwarmMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _delivery = meter.CreateHistogram("flux.message.delivery.duration", "s",
            "From a message's intended send time to its arrival at a recipient, for every recipient.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        meter.CreateObservableCounter("flux.swarm.messages.sent", () => Totals().Sent, "{message}", "Messages sent by simulated users.");
        meter.CreateObservableCounter("flux.swarm.messages.delivered", () => Totals().Delivered, "{message}", "Message copies received by simulated users.");
        meter.CreateObservableCounter("flux.swarm.messages.duplicates", () => Totals().Duplicates, "{message}", "Message copies received twice.");
        _lost = meter.CreateCounter<long>("flux.swarm.messages.lost", "{message}", "Expected message copies that never arrived (counted when a storm's report is made).");
        _alerts = meter.CreateCounter<long>("flux.swarm.sla.alerts", "{alert}", "SLA breaches that lasted the alert window.");
        meter.CreateObservableGauge("flux.swarm.connections", () => Volatile.Read(ref _connections), "{connection}", "Simulated users connected and ready.");
        meter.CreateObservableGauge("flux.swarm.generator.lag", () => Volatile.Read(ref _lagSeconds), "s", "Send lag p99 over the last second: actual minus intended send time.");
    }

    /// <summary>
    /// Reads a run's totals for the counters while it runs; disposing the result keeps its last totals, so the counters
    /// never go down when a run ends.
    /// </summary>
    public IDisposable Track(Func<StormTotals> totals)
    {
        lock (_gate) _live.Add(totals);
        return new Tracking(this, totals);
    }

    /// <summary>One second of a cohort's deliveries, from the run's exact histogram (values in microseconds).</summary>
    public void RecordDeliveries(Cohort cohort, HdrHistogram.HistogramBase interval)
    {
        if (!_delivery.Enabled || interval.TotalCount == 0) return;
        var tags = new TagList { { "flux.cohort", cohort.ToReportName() } };
        foreach (var bucket in interval.RecordedValues())
        {
            double seconds = bucket.ValueIteratedTo / 1e6;
            for (long i = 0; i < bucket.CountAddedInThisIterationStep; i++) _delivery.Record(seconds, tags);
        }
    }

    public void Lost(long count) => _lost.Add(count);

    public void SlaAlert() => _alerts.Add(1);

    public void SetConnections(int connections) => Volatile.Write(ref _connections, connections);

    public void SetGeneratorLag(double milliseconds) => Volatile.Write(ref _lagSeconds, milliseconds / 1000);

    private StormTotals Totals()
    {
        lock (_gate)
        {
            var sum = _finished;
            foreach (var live in _live) sum += live();
            return sum;
        }
    }

    private void Finish(Func<StormTotals> totals)
    {
        lock (_gate)
        {
            if (!_live.Remove(totals)) return;
            _finished += totals();
        }
    }

    private sealed class Tracking(SwarmMetrics metrics, Func<StormTotals> totals) : IDisposable
    {
        public void Dispose() => metrics.Finish(totals);
    }
}

/// <summary>A run's counts, as the meter's counters read them.</summary>
internal readonly record struct StormTotals(long Sent, long Delivered, long Duplicates)
{
    public static StormTotals operator +(StormTotals a, StormTotals b) => new(a.Sent + b.Sent, a.Delivered + b.Delivered, a.Duplicates + b.Duplicates);
}
