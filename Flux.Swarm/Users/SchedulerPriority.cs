using System.Runtime.InteropServices;

namespace Flux.Swarm.Users;

/// <summary>
/// Raises the send scheduler's thread above the rest of the machine, so that the swarm keeps its open-model schedule
/// when the machine is busy: real-time (<c>SCHED_FIFO</c>, priority 1) where the process may, else nice −10.
/// <para>
/// Nice −10 was the first step: on a 2-core machine running the whole application, the thread at nice 0 waited for a
/// core often enough that 1 % of sends left 12–17 ms late, past the 10 ms that makes a storm inconclusive; reniced, 5–9
/// ms (page storms of 2026-12-07, docs/benchmarks.md "Cold start"). On a slower afternoon that was not enough: at nice
/// −10 the thread still waited 100–380 ms of every second on a run queue and was preempted 350–590 times a second
/// (<c>/proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat</c>; Linux 6.18's EEVDF scheduler weighs nice in a task's share,
/// not in how soon it runs after waking), and its sends were 50–94 ms late at p99. Real-time, it waited 1–4 ms a second
/// and was never preempted; send lag p99 17 ms in the same kind of storm.
/// </para>
/// <para>
/// It is safe to give this thread a real-time policy because it sleeps a millisecond between ticks and does little in
/// each (a send's system call, the heartbeats due): about a tenth of a core. A real-time thread cannot starve the
/// machine anyway: Linux keeps 5 % of every second for the others (<c>sched_rt_runtime_us</c>). Latency is still
/// measured from each send's intended time, so a late send is never hidden, only rarer. Linux only; without the
/// privilege (CAP_SYS_NICE, e.g. not as root) the thread stays where it is and the storm's report says so.
/// </para>
/// </summary>
/// <remarks>
/// Not where the process may run on one CPU only (<c>taskset</c>, as <c>bench/storm-local.sh --swarm-cpus 0</c> runs
/// it). There a real-time thread that waits for an ordinary thread of its own process (a collection it starts must
/// first stop every other thread at a safe point, and the runtime waits for that by yielding, which a real-time thread
/// does only to its peers) can keep that thread from running until Linux takes the CPU back for the rest of the second
/// (<c>sched_rt_runtime_us</c>). Overload storms confined so stalled the whole swarm for up to a second in 5 of 9 runs
/// (send lag up to 999 ms; the gateways' path probes went unanswered and both shed every lower tier at once); at
/// nice −10, in none of 6 (send lag at most 40 ms). Sampled during one such stall, this thread was running for 0.95 s
/// with the CPU to itself while the socket engine's and the finalizer's threads waited, runnable; what it waited for was
/// not traced.
/// </remarks>
internal static class SchedulerPriority
{
    public const int Nice = -10;

    /// <summary>Why a process confined to one CPU gets no real-time thread (see the remarks).</summary>
    public const string OneProcessor = "the process may run on one CPU only, where a real-time thread can hold off the threads it waits for";

    /// <summary>The real-time priority asked for: the lowest, above every ordinary thread and below the kernel's own.</summary>
    public const int RealTimePriority = 1;

    private const int PrioProcess = 0;
    private const int SchedFifo = 1;

    /// <summary>
    /// Raises the calling thread: real-time where permitted, else nice −10. <see cref="Raise.Refused"/> says why it could
    /// not be made real-time (null when it was), and <see cref="Raise.Raised"/> whether it was raised at all.
    /// </summary>
    public static Raise TryRaiseCurrentThread() => TryRaiseCurrentThread(Environment.ProcessorCount);

    /// <summary>The same, for a process that may run on <paramref name="processors"/> CPUs.</summary>
    internal static Raise TryRaiseCurrentThread(int processors)
    {
        if (!OperatingSystem.IsLinux()) return new Raise(false, "thread priorities are set only on Linux");
        try
        {
            // With a thread id, Linux applies both to that one thread, not to the process.
            int tid = GetThreadId();
            if (processors <= 1) return new Raise(SetPriority(PrioProcess, tid, Nice) == 0, OneProcessor);
            int priority = RealTimePriority;
            if (SetScheduler(tid, SchedFifo, ref priority) == 0) return new Raise(true, null);
            string refused = Marshal.GetLastPInvokeErrorMessage();
            return new Raise(SetPriority(PrioProcess, tid, Nice) == 0, refused);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return new Raise(false, ex.Message);
        }
    }

    /// <summary>What <see cref="TryRaiseCurrentThread"/> did.</summary>
    /// <param name="Raised">Raised at all: real-time, or nice −10.</param>
    /// <param name="Refused">Why it is not real-time, or null when it is.</param>
    public readonly record struct Raise(bool Raised, string? Refused)
    {
        public bool RealTime => Raised && Refused is null;

        /// <summary>What the storm's report should note: nothing when real-time.</summary>
        public string? Note => RealTime ? null
            : Raised ? $"the send scheduler's thread runs at nice {Nice}, not real-time ({Refused}): on a busy machine its sends may lag"
            : $"the send scheduler's thread could not be raised ({Refused}): on a busy machine its sends may lag";
    }

    // DllImport, not LibraryImport: plain ints need no marshalling, and LibraryImport would need unsafe code.
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);

    // struct sched_param is one int (its sched_priority).
    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static extern int SetScheduler(int pid, int policy, ref int param);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
