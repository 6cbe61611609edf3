using Flux.Protocol.Auth;
using Flux.Protocol.Storms;
using Flux.Swarm.Runs;

namespace Flux.Swarm.Tests.Unit;

/// <summary>Who is in which guild and at which tier: uniform and Zipf sizes, tier shares, run-scoped guild ids.</summary>
public sealed class GuildLayoutTests
{
    [Theory]
    [InlineData(100, 4)]
    [InlineData(103, 10)]
    [InlineData(7, 7)]
    [InlineData(1_000, 1)]
    [InlineData(9_999, 64)]
    public void Uniform_sizes_sum_to_the_users_and_differ_by_at_most_one(int users, int guilds)
    {
        int[] sizes = GuildLayout.UniformSizes(users, guilds);

        Assert.Equal(guilds, sizes.Length);
        Assert.Equal(users, sizes.Sum());
        Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
    }

    [Theory]
    [InlineData(1_000, 20, 1.0)]
    [InlineData(10_000, 200, 1.0)]
    [InlineData(100, 30, 2.0)]
    [InlineData(50, 50, 1.0)]
    [InlineData(500, 40, 0.5)]
    public void Zipf_sizes_sum_to_the_users_keep_every_guild_and_do_not_increase(int users, int guilds, double exponent)
    {
        int[] sizes = GuildLayout.ZipfSizes(users, guilds, exponent);

        Assert.Equal(guilds, sizes.Length);
        Assert.Equal(users, sizes.Sum());
        Assert.All(sizes, size => Assert.True(size >= 1, "a guild with no users"));
        for (int k = 1; k < sizes.Length; k++)
        {
            Assert.True(sizes[k] <= sizes[k - 1], $"guild {k} ({sizes[k]}) is larger than guild {k - 1} ({sizes[k - 1]})");
        }
    }

    [Fact]
    public void Zipf_sizes_follow_one_over_k()
    {
        int[] sizes = GuildLayout.ZipfSizes(10_000, 100, exponent: 1.0);

        // Guild 1 holds 1/H(100) = 19 % of the users, guild 2 half of that, guild 10 a tenth (± rounding).
        Assert.InRange(sizes[0], 1_900, 1_940);
        Assert.InRange(sizes[1] * 2, sizes[0] - 4, sizes[0] + 4);
        Assert.InRange(sizes[9] * 10, sizes[0] - 20, sizes[0] + 20);
    }

    [Fact]
    public void Create_puts_each_guilds_size_worth_of_users_in_it()
    {
        var plan = new StormPlan { Users = 1_000, Guilds = 20, GuildSizes = GuildSizes.Zipf, ZipfExponent = 1.2 };

        var layout = GuildLayout.Create(plan, "s1", new Random(5));

        Assert.Equal(1_000, layout.UserGuild.Length);
        var counted = layout.UserGuild.GroupBy(g => g).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(0, 20).Select(g => layout.GuildSizes[g]), Enumerable.Range(0, 20).Select(g => counted.GetValueOrDefault(g)));
        Assert.Equal(GuildLayout.ZipfSizes(1_000, 20, 1.2), layout.GuildSizes);
    }

    [Theory]
    [InlineData(0.1, 0.7, 0.2, 1_000, 100, 700, 200)]
    [InlineData(1, 2, 1, 100, 25, 50, 25)]    // shares need not sum to one
    [InlineData(0, 1, 0, 300, 0, 300, 0)]
    [InlineData(0, 0, 1, 40, 0, 0, 40)]
    public void Tier_shares_are_honoured(double high, double normal, double low, int users, int expectHigh, int expectNormal, int expectLow)
    {
        var plan = new StormPlan { Users = users, Guilds = 4, Tiers = new TierMix(high, normal, low) };

        var layout = GuildLayout.Create(plan, "s1", new Random(9));

        Assert.Equal(users, layout.UserTier.Length);
        Assert.Equal(
            (expectHigh, expectNormal, expectLow),
            (layout.UserTier.Count(t => t == Tier.High), layout.UserTier.Count(t => t == Tier.Normal), layout.UserTier.Count(t => t == Tier.Low)));
    }

    [Fact]
    public void Guild_ids_carry_the_run_id_and_are_distinct()
    {
        var plan = new StormPlan { Users = 50, Guilds = 12 };

        var first = GuildLayout.Create(plan, "s0101120000abc", new Random(1));
        var second = GuildLayout.Create(plan, "s0101120000def", new Random(1));

        Assert.Equal(12, first.GuildIds.Length);
        Assert.All(first.GuildIds, id => Assert.StartsWith("s0101120000abc-", id));
        Assert.Equal(12, first.GuildIds.Distinct().Count());
        Assert.Empty(first.GuildIds.Intersect(second.GuildIds)); // two runs never share a guild
    }

    [Fact]
    public void The_same_seed_gives_the_same_layout()
    {
        var plan = new StormPlan { Users = 200, Guilds = 8, Tiers = new TierMix(1, 1, 1) };

        var a = GuildLayout.Create(plan, "s1", new Random(77));
        var b = GuildLayout.Create(plan, "s1", new Random(77));

        Assert.Equal(a.UserGuild, b.UserGuild);
        Assert.Equal(a.UserTier, b.UserTier);
    }
}
