using System.Diagnostics;
using System.Diagnostics.Metrics;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Telemetry;

/// <summary>The <c>Flux.Gateway</c> meter. Durations are in seconds, following the OpenTelemetry conventions.</summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "Flux.Gateway";

    /// <summary>Bucket bounds fine enough for sub-millisecond fan-out and publish times.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _framesIn;
    private readonly Counter<long> _framesOut;
    private readonly Histogram<double> _fanoutDuration;
    private readonly Histogram<double> _publishDuration;
    private readonly Counter<long> _closes;
    private readonly Counter<long> _shed;
    private readonly Counter<long> _publishFailures;

    public GatewayMetrics(IMeterFactory meterFactory, GatewayCounters counters)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("flux.gateway.connections.active", "{connection}", "Identified connections, by tier.");
        _framesIn = meter.CreateCounter<long>("flux.gateway.frames.received", "{frame}", "Frames received from clients.");
        _framesOut = meter.CreateCounter<long>("flux.gateway.frames.sent", "{frame}", "Frames written to client sockets.");
        _fanoutDuration = meter.CreateHistogram("flux.gateway.fanout.duration", "s",
            "From receiving a message from Redis to writing it to a client socket.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _publishDuration = meter.CreateHistogram("flux.gateway.publish.duration", "s",
            "The Redis script that assigns a seq, appends to history and publishes.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _closes = meter.CreateCounter<long>("flux.gateway.connections.closed", "{connection}", "Connections closed, by close code.");
        _shed = meter.CreateCounter<long>("flux.gateway.connections.shed", "{connection}", "Connections closed with 1013 to shed load.");
        _publishFailures = meter.CreateCounter<long>("flux.gateway.publish.failures", "{message}", "Sends answered with 'unavailable'.");
        meter.CreateObservableGauge("flux.gateway.queue.depth", () => counters.QueuedFrames, "{frame}", "Frames waiting in send queues.");
        meter.CreateObservableGauge("flux.gateway.queue.bytes", () => counters.QueuedBytes, "By", "Bytes waiting in send queues.");
    }

    public void ConnectionOpened(Tier tier) => ChangeConnections(tier, 1);

    public void ConnectionClosed(Tier tier) => ChangeConnections(tier, -1);

    public void FrameReceived() => _framesIn.Add(1);

    public void FramesSent(int count) => _framesOut.Add(count);

    public void FanoutWritten(long receivedTimestamp)
    {
        if (_fanoutDuration.Enabled)
        {
            _fanoutDuration.Record(Stopwatch.GetElapsedTime(receivedTimestamp).TotalSeconds);
        }
    }

    public void Published(TimeSpan duration) => _publishDuration.Record(duration.TotalSeconds);

    public void PublishFailed() => _publishFailures.Add(1);

    public void Closed(int code)
    {
        if (_closes.Enabled)
        {
            var tags = new TagList { { "flux.close.code", code }, { "flux.close.reason", CloseCodes.Name(code) } };
            _closes.Add(1, tags);
        }
    }

    public void Shed(Tier tier)
    {
        if (_shed.Enabled)
        {
            _shed.Add(1, new TagList { { "flux.tier", tier.ToWire() } });
        }
    }

    private void ChangeConnections(Tier tier, int delta)
    {
        if (_connections.Enabled)
        {
            _connections.Add(delta, new TagList { { "flux.tier", tier.ToWire() } });
        }
    }
}
