using System.Diagnostics;
using Flux.Gateway.Telemetry;

namespace Flux.Gateway.Admin;

/// <summary>
/// The storm's kill-gateway fault: the process ends as a crash would, with SIGKILL to itself. No drain runs, no close
/// frame is sent, no session is renewed on the way out; clients see their sockets drop and must resume elsewhere.
/// </summary>
internal sealed class ProcessKiller(TimeProvider time, ILogger<ProcessKiller> logger)
{
    public const int DefaultDelayMs = 100;
    public const int MaxDelayMs = 10_000;

    /// <summary>Kills the process after <paramref name="delay"/>, long enough for the admin reply to go out.</summary>
    public void KillAfter(TimeSpan delay)
    {
        _ = Task.Run(async () =>
        {
            await Task.Delay(delay, time).ConfigureAwait(false);
            Log.Killed(logger);
            Process.GetCurrentProcess().Kill();
        });
    }
}
