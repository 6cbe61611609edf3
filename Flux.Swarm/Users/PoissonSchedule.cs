namespace Flux.Swarm.Users;

/// <summary>
/// Poisson arrivals. Sends are an open model: the gaps between intended send times are exponential with the
/// plan's aggregate rate, whatever the system's response, so a slow system gets the same load, not less.
/// </summary>
internal static class PoissonSchedule
{
    /// <summary>An exponential gap, in microseconds, for an aggregate rate per second.</summary>
    public static double NextGapMicroseconds(Random random, double ratePerSecond) =>
        -Math.Log(1.0 - random.NextDouble()) / ratePerSecond * 1e6;

    /// <summary>
    /// <paramref name="count"/> arrival times over <paramref name="seconds"/>, sorted: the order statistics of
    /// uniform draws, which is a Poisson process conditioned on exactly that many arrivals in the interval.
    /// </summary>
    public static double[] Arrivals(Random random, int count, double seconds)
    {
        var times = new double[count];
        for (int i = 0; i < count; i++) times[i] = random.NextDouble() * seconds;
        Array.Sort(times);
        return times;
    }
}
