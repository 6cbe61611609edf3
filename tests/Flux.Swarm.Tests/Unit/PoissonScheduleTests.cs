using Flux.Swarm.Users;

namespace Flux.Swarm.Tests.Unit;

/// <summary>
/// The open-model send schedule: exponential gaps at the aggregate rate, and uniform ramp arrivals.
/// Fixed seeds and 100k draws; each tolerance is several standard errors wide, so these are deterministic
/// and still fail for a wrong rate, a wrong distribution or an unsorted result.
/// </summary>
public sealed class PoissonScheduleTests
{
    private const int Draws = 100_000;
    private const double Rate = 250; // per second: a mean gap of 4 ms

    [Fact]
    public void Gaps_have_a_mean_of_one_over_the_rate()
    {
        double[] gaps = DrawGaps(new Random(42));

        double expectedMean = 1e6 / Rate;
        // Standard error of the mean: mean / sqrt(N) = 0.32 %; 2 % is over six of them.
        Assert.InRange(gaps.Average(), expectedMean * 0.98, expectedMean * 1.02);
        Assert.All(gaps, gap => Assert.True(gap >= 0, $"negative gap {gap}"));
    }

    [Fact]
    public void Gaps_are_exponential_one_in_e_exceeds_the_mean_and_the_coefficient_of_variation_is_one()
    {
        double[] gaps = DrawGaps(new Random(7));
        double mean = 1e6 / Rate;

        // P(gap > mean) = e^-1 = 0.368 for an exponential (0.5 for a symmetric one); standard error 0.0015.
        double beyondMean = gaps.Count(g => g > mean) / (double)Draws;
        Assert.InRange(beyondMean, Math.Exp(-1) - 0.01, Math.Exp(-1) + 0.01);

        // P(gap > 3 × mean) = e^-3 = 0.0498: the tail is exponential too, not just the middle.
        double beyondThree = gaps.Count(g => g > 3 * mean) / (double)Draws;
        Assert.InRange(beyondThree, Math.Exp(-3) - 0.005, Math.Exp(-3) + 0.005);

        // Standard deviation equals the mean for an exponential (a fixed interval would give 0).
        double average = gaps.Average();
        double deviation = Math.Sqrt(gaps.Sum(g => (g - average) * (g - average)) / (Draws - 1));
        Assert.InRange(deviation / average, 0.97, 1.03);
    }

    [Fact]
    public void Arrivals_are_exactly_count_sorted_times_within_the_interval()
    {
        double[] arrivals = PoissonSchedule.Arrivals(new Random(42), 10_000, seconds: 30);

        Assert.Equal(10_000, arrivals.Length);
        Assert.All(arrivals, t => Assert.InRange(t, 0, 30));
        for (int i = 1; i < arrivals.Length; i++)
        {
            Assert.True(arrivals[i - 1] <= arrivals[i], $"arrival {i} ({arrivals[i]}) is before arrival {i - 1} ({arrivals[i - 1]})");
        }
    }

    [Fact]
    public void Arrivals_are_spread_uniformly_each_decile_of_the_interval_holds_a_tenth()
    {
        const double seconds = 60;
        double[] arrivals = PoissonSchedule.Arrivals(new Random(11), Draws, seconds);

        int[] deciles = new int[10];
        foreach (double t in arrivals) deciles[Math.Min(9, (int)(t / seconds * 10))]++;
        // Each decile holds 10,000 ± 95 (binomial standard deviation); ± 500 is over five of them.
        Assert.All(deciles, count => Assert.InRange(count, Draws / 10 - 500, Draws / 10 + 500));
    }

    [Fact]
    public void No_arrivals_for_a_count_of_zero()
    {
        Assert.Empty(PoissonSchedule.Arrivals(new Random(1), 0, seconds: 10));
    }

    private static double[] DrawGaps(Random random)
    {
        var gaps = new double[Draws];
        for (int i = 0; i < Draws; i++) gaps[i] = PoissonSchedule.NextGapMicroseconds(random, Rate);
        return gaps;
    }
}
