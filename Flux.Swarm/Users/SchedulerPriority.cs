using System.Runtime.InteropServices;

namespace Flux.Swarm.Users;

/// <summary>
/// Raises the send scheduler's thread above the rest of the machine (nice −10), so that the swarm keeps its open-model
/// schedule when the machine is busy. On a 2-core machine running the whole application, that thread waited for a core
/// often enough that 1 % of sends left 12–17 ms late, past the 10 ms that makes a storm inconclusive (page storms of
/// 2026-12-07, docs/benchmarks.md "Cold start"); reniced, its send lag p99 was 5.0 and 6.6 ms. The thread does little
/// (a send's system call a millisecond), so what it takes from the gateways is small, and latency is still measured
/// from each send's intended time. Linux only; without the privilege (CAP_SYS_NICE or RLIMIT_NICE, e.g. not as root)
/// it stays where it is and the storm's report says so.
/// </summary>
internal static class SchedulerPriority
{
    public const int Nice = -10;

    private const int PrioProcess = 0;

    /// <summary>Raises the calling thread. Returns null when raised, else why not.</summary>
    public static string? TryRaiseCurrentThread()
    {
        if (!OperatingSystem.IsLinux()) return "thread priorities are set only on Linux";
        try
        {
            // With PRIO_PROCESS and a thread id, Linux sets the nice value of that one thread.
            return SetPriority(PrioProcess, GetThreadId(), Nice) == 0 ? null : Marshal.GetLastPInvokeErrorMessage();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return ex.Message;
        }
    }

    // DllImport, not LibraryImport: plain ints need no marshalling, and LibraryImport would need unsafe code.
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
