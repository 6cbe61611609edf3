using Flux.Protocol.Auth;
using Flux.Protocol.Storms;

namespace Flux.Swarm.Runs;

/// <summary>
/// Who is in which guild, and at which tier. Each user belongs to one guild; guild sizes are equal (uniform)
/// or follow Zipf's law (guild k gets a share proportional to 1/k^s). Guild ids carry the run id, so runs never share a guild.
/// </summary>
internal sealed class GuildLayout
{
    private GuildLayout(string[] guildIds, int[] userGuild, int[] guildSizes, Tier[] userTier)
    {
        GuildIds = guildIds;
        UserGuild = userGuild;
        GuildSizes = guildSizes;
        UserTier = userTier;
    }

    public string[] GuildIds { get; }

    /// <summary>The guild index of each user.</summary>
    public int[] UserGuild { get; }

    public int[] GuildSizes { get; }

    public Tier[] UserTier { get; }

    public static GuildLayout Create(StormPlan plan, string runId, Random random)
    {
        int[] sizes = plan.GuildSizes == Flux.Protocol.Storms.GuildSizes.Zipf ? ZipfSizes(plan.Users, plan.Guilds, plan.ZipfExponent) : UniformSizes(plan.Users, plan.Guilds);
        var userGuild = new int[plan.Users];
        int next = 0;
        for (int guild = 0; guild < sizes.Length; guild++)
        {
            for (int i = 0; i < sizes[guild]; i++) userGuild[next++] = guild;
        }
        random.Shuffle(userGuild);

        var tiers = new Tier[plan.Users];
        double total = plan.Tiers.High + plan.Tiers.Normal + plan.Tiers.Low;
        int high = (int)Math.Round(plan.Users * plan.Tiers.High / total);
        int low = (int)Math.Round(plan.Users * plan.Tiers.Low / total);
        for (int i = 0; i < plan.Users; i++) tiers[i] = i < high ? Tier.High : i < high + low ? Tier.Low : Tier.Normal;
        random.Shuffle(tiers);

        string[] ids = Enumerable.Range(0, plan.Guilds).Select(g => $"{runId}-g{g}").ToArray();
        return new GuildLayout(ids, userGuild, sizes, tiers);
    }

    internal static int[] UniformSizes(int users, int guilds) =>
        Enumerable.Range(0, guilds).Select(g => users / guilds + (g < users % guilds ? 1 : 0)).ToArray();

    /// <summary>Zipf shares rounded to whole users, every guild keeping at least one, summing to <paramref name="users"/>.</summary>
    internal static int[] ZipfSizes(int users, int guilds, double exponent)
    {
        double[] weights = Enumerable.Range(1, guilds).Select(k => 1.0 / Math.Pow(k, exponent)).ToArray();
        double sum = weights.Sum();
        int spare = users - guilds; // one user per guild is guaranteed
        int[] sizes = weights.Select(w => 1 + (int)Math.Floor(spare * w / sum)).ToArray();
        int remainder = users - sizes.Sum();
        for (int i = 0; remainder > 0; i = (i + 1) % guilds, remainder--) sizes[i]++;
        return sizes;
    }
}
