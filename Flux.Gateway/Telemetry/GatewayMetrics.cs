using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;

namespace Flux.Gateway.Telemetry;

/// <summary>
/// The gateway's one telemetry ledger: every count is made here once, and feeds both the <c>Flux.Gateway</c> meter
/// (OpenTelemetry) and the readable totals that shedding and GetStats use. Durations are in seconds, following the
/// OpenTelemetry conventions. Updated with interlocked operations from the fan-out, writer and receive paths.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "Flux.Gateway";

    /// <summary>Bucket bounds fine enough for sub-millisecond fan-out and publish times.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>The close-code tag for any code the protocol does not document: a client cannot choose tag values.</summary>
    public const string OtherCloseCode = "other";

    private readonly TimeProvider _time;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _framesIn;
    private readonly Counter<long> _framesOut;
    private readonly Histogram<double> _fanoutDuration;
    private readonly Histogram<double> _publishDuration;
    private readonly Counter<long> _closes;
    private readonly Counter<long> _shed;
    private readonly Counter<long> _publishFailures;
    private readonly ConcurrentDictionary<string, long> _closesByReason = new(StringComparer.Ordinal);
    private long _queuedBytes;
    private long _queuedFrames;
    private long _droppedFrames;
    private long _framesSent;
    private long _published;
    private long _maxFanoutLagTicks;

    public GatewayMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
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
        meter.CreateObservableGauge("flux.gateway.queue.depth", () => QueuedFrames, "{frame}", "Frames waiting in send queues.");
        meter.CreateObservableGauge("flux.gateway.queue.bytes", () => QueuedBytes, "By", "Bytes waiting in send queues.");
        meter.CreateObservableGauge("flux.gateway.scheduling.lag", () => SchedulingLag.TotalSeconds, "s",
            "Longest wait of a probe work item for a thread over the last shedding check.");
        meter.CreateObservableGauge("flux.gateway.fanout.lag", () => FanoutLag.TotalSeconds, "s",
            "Largest fan-out lag over the last shedding check: from a message's publish to this replica's send queues.");
        meter.CreateObservableGauge("flux.gateway.path.lag", () => PathLag?.TotalSeconds ?? 0, "s",
            "75th percentile of the last round of path probes: from a ping queued behind a connection's deliveries to the client's pong, less that connection's fastest (0: too few probes).");
    }

    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    public long QueuedFrames => Volatile.Read(ref _queuedFrames);

    public long DroppedFrames => Volatile.Read(ref _droppedFrames);

    public long FramesSent => Volatile.Read(ref _framesSent);

    public long MessagesPublished => Volatile.Read(ref _published);

    /// <summary>Closes since start, by close-code name (and <c>disconnected</c> for sockets that broke).</summary>
    public IReadOnlyDictionary<string, long> ClosesByReason => _closesByReason;

    /// <summary>
    /// Counts an identified connection in, and returns whether it was counted, so that the same connection counts
    /// itself out even if the instrument was enabled or disabled in between (as KestrelMetrics does).
    /// </summary>
    public bool ConnectionOpened(Tier tier)
    {
        if (!_connections.Enabled) return false;
        _connections.Add(1, new TagList { { "flux.tier", tier.ToWire() } });
        return true;
    }

    public void ConnectionClosed(Tier tier, bool counted)
    {
        if (counted) _connections.Add(-1, new TagList { { "flux.tier", tier.ToWire() } });
    }

    public void FrameReceived() => _framesIn.Add(1);

    public void Enqueued(int bytes)
    {
        Interlocked.Add(ref _queuedBytes, bytes);
        Interlocked.Increment(ref _queuedFrames);
    }

    public void Dequeued(int bytes)
    {
        Interlocked.Add(ref _queuedBytes, -bytes);
        Interlocked.Decrement(ref _queuedFrames);
    }

    /// <summary>Frames discarded from a queue because their connection closed first.</summary>
    public void Dropped(int frames, long bytes)
    {
        if (frames == 0) return;
        Interlocked.Add(ref _droppedFrames, frames);
        Interlocked.Add(ref _queuedFrames, -frames);
        Interlocked.Add(ref _queuedBytes, -bytes);
    }

    public void FramesWritten(int frames)
    {
        if (frames == 0) return;
        Interlocked.Add(ref _framesSent, frames);
        _framesOut.Add(frames);
    }

    /// <summary>A message from Redis reached a socket: how long it took, for the histogram.</summary>
    public void FanoutWritten(long receivedTimestamp)
    {
        if (_fanoutDuration.Enabled) _fanoutDuration.Record(_time.GetElapsedTime(receivedTimestamp).TotalSeconds);
    }

    /// <summary>
    /// A message from Redis was handed to every local member's send queue: how long that took is the replica's
    /// fan-out lag, which shedding watches. It is measured here and not at the socket, so one slow reader's queue
    /// (its own problem, handled by its bounds) never reads as pressure on the whole replica.
    /// </summary>
    public void FanoutQueued(long receivedTimestamp)
    {
        Flux.ServiceDefaults.InterlockedMax.Raise(ref _maxFanoutLagTicks, _time.GetTimestamp() - receivedTimestamp);
    }

    /// <summary>The fan-out lag of the last shedding check (what <see cref="TakeMaxFanoutLag"/> returned).</summary>
    public TimeSpan FanoutLag { get; set; }

    /// <summary>The path lag of the last shedding check; null when too few probes were read.</summary>
    public TimeSpan? PathLag { get; set; }

    /// <summary>The scheduling lag of the last shedding check (see <see cref="Flux.ServiceDefaults.SchedulingProbe"/>).</summary>
    public TimeSpan SchedulingLag { get; set; }

    /// <summary>The largest fan-out lag since the last call.</summary>
    public TimeSpan TakeMaxFanoutLag() =>
        TimeSpan.FromSeconds(Interlocked.Exchange(ref _maxFanoutLagTicks, 0) / (double)_time.TimestampFrequency);

    public void Published(TimeSpan duration)
    {
        Interlocked.Increment(ref _published);
        _publishDuration.Record(duration.TotalSeconds);
    }

    public void PublishFailed() => _publishFailures.Add(1);

    /// <summary>The gateway closed a connection with a close frame (or echoed the client's). Undocumented codes are tagged <c>other</c>.</summary>
    public void Closed(int code)
    {
        string name = CloseCodes.Name(code);
        _closesByReason.AddOrUpdate(name, 1, static (_, n) => n + 1);
        if (_closes.Enabled)
        {
            string codeTag = CloseCodes.IsDocumented(code) ? CloseCodes.Text(code) : OtherCloseCode;
            _closes.Add(1, new TagList { { "flux.close.code", codeTag }, { "flux.close.reason", name } });
        }
    }

    /// <summary>The socket broke without a close handshake.</summary>
    public void Disconnected() => _closesByReason.AddOrUpdate("disconnected", 1, static (_, n) => n + 1);

    public void Shed(Tier tier)
    {
        if (_shed.Enabled) _shed.Add(1, new TagList { { "flux.tier", tier.ToWire() } });
    }
}
