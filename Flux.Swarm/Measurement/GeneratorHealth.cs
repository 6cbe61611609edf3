using System.Diagnostics;

namespace Flux.Swarm.Measurement;

/// <summary>
/// Is the swarm itself keeping up? Send lag (actual minus intended send time), its own GC pauses, its CPU, its
/// thread-pool backlog, and its scheduling lag (how long work waited for a thread: receiving is late by that much, and
/// the latencies with it). When these say the generator was the bottleneck, the report says so rather than blaming the gateway.
/// </summary>
internal sealed class GeneratorHealth : IDisposable
{
    /// <summary>Beyond this send lag at p99 the schedule was not kept.</summary>
    public const double SaturatedLagMs = 10;

    /// <summary>Above this share of all cores the measurement competes with what it measures.</summary>
    public const double SaturatedCpuPercent = 90;

    /// <summary>
    /// A second whose longest wait for a thread is beyond this was one in which the swarm received late. In seven 10k
    /// storms no second went beyond 42 ms; an overload storm whose swarm shared one core with Redis had 67 ms at p99 of
    /// its seconds while its send lag stayed at 5.8 ms, so its latencies were partly the swarm's (docs/benchmarks.md).
    /// Such a run's assessment says so. It does not make the run inconclusive: that would also turn a loss it saw into
    /// "inconclusive" (the verdict neutralises every cause but duplicates and reorders for a saturated generator), and a
    /// late receiver cannot lose a message, only delay it.
    /// </summary>
    public const double SlowSchedulingLagMs = 50;

    /// <summary>How many such seconds (at least this many, and at least 5 % of the run) the assessment reports.</summary>
    public const int MinSlowSchedulingSeconds = 5;

    private readonly LatencyHistogram _lag = new();
    // Each second's longest scheduling wait.
    private readonly LatencyHistogram _scheduling = new();
    // Started by the first Sample: contexts built for tests that never run hold no timer.
    private Flux.ServiceDefaults.SchedulingProbe? _probe;
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly TimeSpan _gcPauseAtStart = GC.GetTotalPauseDuration();
    private readonly TimeSpan _cpuAtStart;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private TimeSpan _lastCpu;
    private long _lastSample;
    private double _maxLagMs;
    private int _maxThreadPoolQueue;
    private int _seconds;
    private int _slowSchedulingSeconds;

    public GeneratorHealth()
    {
        _cpuAtStart = _process.TotalProcessorTime;
        _lastCpu = _cpuAtStart;
        _lastSample = _startedAt;
    }

    /// <summary>CPU of this process over the last second, as a share of all cores.</summary>
    public double LastCpuPercent { get; private set; }

    public double LastLagMs { get; private set; }

    /// <summary>Why the sending thread ran late, as it saw it (written by that thread only).</summary>
    public SenderLateness Sender { get; } = new();

    public void RecordSendLag(long lagMicroseconds) => _lag.Record(Math.Max(1, lagMicroseconds));

    /// <summary>Called once a second.</summary>
    public void Sample()
    {
        var window = _lag.TakeInterval();
        LastLagMs = window.P99Ms;
        _maxLagMs = Math.Max(_maxLagMs, window.MaxMs);
        _process.Refresh();
        var cpu = _process.TotalProcessorTime;
        long now = Stopwatch.GetTimestamp();
        double wall = Stopwatch.GetElapsedTime(_lastSample, now).TotalSeconds;
        LastCpuPercent = wall > 0 ? (cpu - _lastCpu).TotalSeconds / wall / Environment.ProcessorCount * 100 : 0;
        _lastCpu = cpu;
        _lastSample = now;
        _maxThreadPoolQueue = Math.Max(_maxThreadPoolQueue, (int)Math.Min(int.MaxValue, ThreadPool.PendingWorkItemCount));
        _probe ??= new Flux.ServiceDefaults.SchedulingProbe();
        var scheduling = _probe.TakeMax();
        _seconds++;
        if (scheduling.TotalMilliseconds > SlowSchedulingLagMs) _slowSchedulingSeconds++;
        _scheduling.Record(Math.Max(1, (long)(scheduling.Ticks / 10)));
        _scheduling.TakeInterval();
    }

    public void Dispose() => _probe?.Dispose();

    public GeneratorReport Report()
    {
        double wall = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
        double cpu = wall > 0 ? (_process.TotalProcessorTime - _cpuAtStart).TotalSeconds / wall / Environment.ProcessorCount * 100 : 0;
        var lag = _lag.Cumulative;
        var scheduling = _scheduling.Cumulative;
        var reasons = new List<string>();
        if (lag.P99Ms > SaturatedLagMs) reasons.Add($"send lag p99 {lag.P99Ms:0.#} ms > {SaturatedLagMs} ms: the schedule was not kept");
        if (cpu > SaturatedCpuPercent) reasons.Add($"swarm CPU {cpu:0} % of all cores");
        string receiving = _slowSchedulingSeconds >= Math.Max(MinSlowSchedulingSeconds, 0.05 * _seconds)
            ? $" But its receiving waited over {SlowSchedulingLagMs} ms for a thread in {_slowSchedulingSeconds} of {_seconds} s" +
              $" (up to {scheduling.MaxMs:0} ms): the latencies include that much of the swarm's own."
            : "";
        return new GeneratorReport(
            MaxLagMs: Math.Max(_maxLagMs, lag.MaxMs),
            LagP99Ms: lag.P99Ms,
            GcPauseMs: (GC.GetTotalPauseDuration() - _gcPauseAtStart).TotalMilliseconds,
            CpuPct: cpu,
            MaxThreadPoolQueue: _maxThreadPoolQueue,
            SchedulingLagP99Ms: scheduling.P99Ms,
            MaxSchedulingLagMs: scheduling.MaxMs,
            Saturated: reasons.Count > 0,
            Reason: reasons.Count > 0
                ? "The swarm itself was a bottleneck (" + string.Join("; ", reasons) + "); latencies are upper bounds for the gateway."
                    + Sender.Describe()
                : receiving.Length > 0 ? "The swarm kept its schedule." + receiving : "The swarm kept its schedule; latencies are the system's.");
    }
}

/// <param name="SchedulingLagP99Ms">The p99 over the run's seconds of each second's longest scheduling wait.</param>
internal sealed record GeneratorReport(double MaxLagMs, double LagP99Ms, double GcPauseMs, double CpuPct, int MaxThreadPoolQueue,
    double SchedulingLagP99Ms, double MaxSchedulingLagMs, bool Saturated, string Reason);
