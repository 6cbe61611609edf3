namespace Flux.Swarm.Measurement;

/// <summary>
/// Which users a measurement belongs to. A user chosen for a fault stays in that fault's cohort for the whole run,
/// so the healthy numbers are never mixed with the latencies the faults cause.
/// </summary>
internal enum Cohort
{
    Healthy = 0,
    SlowConsumers = 1,
    /// <summary>Users cut off by a partition or moved by a gateway drain: they reconnect and resume.</summary>
    Partitioned = 2,
    /// <summary>Users the gateways shed under overload (1013): they come back when the shedding ends and resume.</summary>
    Shed = 3,
}

internal static class CohortNames
{
    public const int Count = 4;

    public static string ToReportName(this Cohort cohort) => cohort switch
    {
        Cohort.SlowConsumers => "slow_consumers",
        Cohort.Partitioned => "partitioned",
        Cohort.Shed => "shed",
        _ => "healthy",
    };
}
