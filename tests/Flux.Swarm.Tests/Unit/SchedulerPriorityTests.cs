using System.Globalization;
using Flux.Swarm.Users;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The send scheduler's thread, and only it, is made real-time (SCHED_FIFO 1) where the process may do so.</summary>
public sealed class SchedulerPriorityTests
{
    private const int SchedOther = 0;
    private const int SchedFifo = 1;

    [SkippableFact]
    public void Makes_the_calling_thread_real_time_and_no_other()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread priorities are set only on Linux");
        var before = SchedulingOf("self");
        SchedulerPriority.Raise raise = default;
        (int Policy, int RtPriority, int Nice) raised = default;
        var thread = new Thread(() =>
        {
            raise = SchedulerPriority.TryRaiseCurrentThread();
            raised = SchedulingOf("thread-self");
        });
        thread.Start();
        thread.Join();

        // Without the privilege (not root, no CAP_SYS_NICE) the reason is noted and the thread is at most reniced.
        Skip.If(!raise.RealTime && Environment.UserName != "root", $"not privileged here: {raise.Note}");
        Assert.True(raise.RealTime, raise.Note);
        Assert.Null(raise.Note); // nothing for the report
        Assert.Equal((SchedFifo, SchedulerPriority.RealTimePriority), (raised.Policy, raised.RtPriority));
        Assert.Equal((SchedOther, 0), (before.Policy, before.RtPriority));
        Assert.Equal(before, SchedulingOf("self")); // the process's main thread kept its own
    }

    [SkippableFact]
    public void Where_the_process_may_run_on_one_CPU_the_thread_is_only_reniced_and_the_report_says_why()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread priorities are set only on Linux");
        SchedulerPriority.Raise raise = default;
        (int Policy, int RtPriority, int Nice) raised = default;
        var thread = new Thread(() =>
        {
            raise = SchedulerPriority.TryRaiseCurrentThread(processors: 1);
            raised = SchedulingOf("thread-self");
        });
        thread.Start();
        thread.Join();

        Assert.False(raise.RealTime);
        Assert.Contains("not real-time (the process may run on one CPU only", raise.Note);
        Assert.Equal((SchedOther, 0), (raised.Policy, raised.RtPriority));
        Skip.If(!raise.Raised && Environment.UserName != "root", $"not privileged here: {raise.Note}");
        Assert.True(raise.Raised, raise.Note);
        Assert.Equal(SchedulerPriority.Nice, raised.Nice);
    }

    [Fact]
    public void The_report_is_told_when_the_thread_is_only_reniced_or_not_raised_at_all()
    {
        Assert.Contains("runs at nice -10, not real-time (Operation not permitted)", new SchedulerPriority.Raise(true, "Operation not permitted").Note);
        Assert.Contains("could not be raised (Permission denied)", new SchedulerPriority.Raise(false, "Permission denied").Note);
    }

    // Fields 41 (policy), 40 (rt_priority) and 19 (nice) of /proc/<task>/stat, after the parenthesised command name.
    private static (int Policy, int RtPriority, int Nice) SchedulingOf(string task)
    {
        string stat = File.ReadAllText($"/proc/{task}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        int Field(int number) => int.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return (Field(41), Field(40), Field(19));
    }
}
