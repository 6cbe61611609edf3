using Flux.Protocol.Storms;

namespace Flux.Swarm.Measurement;

/// <summary>
/// Judges each second's healthy-cohort latency against the SLA. A breach that lasts the whole window
/// (e.g. P95 > 50 ms for 10 s) raises an alert; when it ends, its time range becomes a violation in the report. A second
/// in which users received messages but no latency was recorded is a breach too: a gateway that hides its latency
/// (no <c>ts</c>, a forged one) must not pass on an empty histogram.
/// </summary>
internal sealed class SlaMonitor(SlaSpec sla)
{
    private readonly List<SlaViolation> _violations = [];
    private double? _breachStart;
    private double _lastBreachSecond;
    private double _worstP95, _worstP99;
    private int _untimedSeconds;
    private bool _alerting;

    public IReadOnlyList<SlaViolation> Violations => _violations;

    /// <summary>True while a breach has lasted at least the window.</summary>
    public bool Alerting => _alerting;

    /// <summary>What the banner says: the current or the last alert, or empty while the SLA holds.</summary>
    public string Message { get; private set; } = "";

    public bool EverViolated => _violations.Count > 0 || _alerting;

    /// <summary>Every alert so far, in order: the breaches that ended, then the one still open.</summary>
    public IReadOnlyList<string> AlertHistory =>
        [.. _violations.Select(v => v.Description), .. _alerting ? [Message] : Array.Empty<string>()];

    /// <summary>Feeds one second. Returns true when this second raised a new alert.</summary>
    /// <param name="untimed">Users received messages this second and no latency came of them.</param>
    public bool Observe(double second, LatencyStats window, bool untimed = false)
    {
        bool breaching = untimed || (window.Count > 0 && (window.P95Ms > sla.P95Ms || window.P99Ms > sla.P99Ms));
        if (!breaching)
        {
            EndBreach();
            return false;
        }
        _breachStart ??= second - 1;
        _lastBreachSecond = second;
        _worstP95 = Math.Max(_worstP95, window.P95Ms);
        _worstP99 = Math.Max(_worstP99, window.P99Ms);
        if (untimed) _untimedSeconds++;
        if (!_alerting && second - _breachStart.Value >= sla.Window)
        {
            _alerting = true;
            Message = Describe(_breachStart.Value, second);
            return true;
        }
        if (_alerting) Message = Describe(_breachStart.Value, second);
        return false;
    }

    /// <summary>Closes a breach still open when the run ends.</summary>
    public void Finish() => EndBreach();

    // A breach ends with the last second that breached, not with the healthy second (or the run's end) after it.
    private void EndBreach()
    {
        if (_alerting && _breachStart is { } start)
        {
            _violations.Add(new SlaViolation(start, _lastBreachSecond, _worstP95, _worstP99, Describe(start, _lastBreachSecond)));
        }
        _alerting = false;
        _breachStart = null;
        _worstP95 = _worstP99 = 0;
        _untimedSeconds = 0;
    }

    private string Describe(double from, double to)
    {
        string metric = _worstP95 > sla.P95Ms ? $"P95 > {sla.P95Ms:0.#} ms"
            : _worstP99 > sla.P99Ms ? $"P99 > {sla.P99Ms:0.#} ms"
            : "deliveries without latency";
        if (_untimedSeconds > 0 && metric != "deliveries without latency") metric += $" (and {_untimedSeconds} s of deliveries without latency)";
        return $"{metric} for {to - from:0} s (t = {from:0}–{to:0} s; worst p95 {_worstP95:0.#} ms, p99 {_worstP99:0.#} ms)";
    }
}

/// <summary>A breach that lasted at least the SLA window.</summary>
internal sealed record SlaViolation(double FromS, double ToS, double WorstP95Ms, double WorstP99Ms, string Description);
