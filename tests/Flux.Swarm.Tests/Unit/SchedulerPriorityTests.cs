using System.Globalization;
using Flux.Swarm.Users;

namespace Flux.Swarm.Tests.Unit;

/// <summary>The send scheduler's thread, and only it, is raised to nice −10 where the process may do so.</summary>
public sealed class SchedulerPriorityTests
{
    [SkippableFact]
    public void Raises_the_calling_thread_and_no_other()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread priorities are set only on Linux");
        int before = NiceOf("self");
        string? refused = null;
        int raised = 0;
        var thread = new Thread(() =>
        {
            refused = SchedulerPriority.TryRaiseCurrentThread();
            raised = NiceOf("thread-self");
        });
        thread.Start();
        thread.Join();

        // Without the privilege (not root, no RLIMIT_NICE) the reason is given and nothing changes.
        Skip.If(refused is not null && Environment.UserName != "root", $"not privileged here: {refused}");
        Assert.Null(refused);
        Assert.Equal(SchedulerPriority.Nice, raised);
        Assert.Equal(before, NiceOf("self")); // the process's main thread kept its own
    }

    // Field 19 of /proc/<task>/stat, after the parenthesised command name.
    private static int NiceOf(string task)
    {
        string stat = File.ReadAllText($"/proc/{task}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture);
    }
}
