using System.Security.Cryptography;
using Flux.Protocol.Auth;
using Flux.Protocol.Control;
using Flux.Protocol.Storms;
using Flux.Swarm.Runs;
using Flux.Swarm.Storms;

namespace Flux.Swarm.Visitors;

/// <summary>
/// Lets a person into a storm from the page (docs/protocol.md, "Visitors"): which guilds they may join, a token for one
/// of them, and the round trips their browser measured. The token is the swarm's to sign, as its users' are: the page
/// never holds the signing key. A visitor is a user <c>visitor-&lt;storm&gt;-&lt;8 hex&gt;</c> (or
/// <c>visitor-lobby-…</c>), a member of that one guild only, of the normal tier.
/// </summary>
internal sealed class VisitorDesk(StormRegistry registry, GatewayDirectory gateways, TokenIssuer tokens, TimeProvider time)
{
    /// <summary>The standing guild a person can always join, storm or not.</summary>
    public const string Lobby = "lobby";

    /// <summary>How long a visitor's token is valid: long enough to watch a few storms, short enough to expire unused.</summary>
    public static readonly TimeSpan PassLifetime = TimeSpan.FromHours(1);

    public const int DefaultGuildLimit = 50;

    /// <summary>The running storm's guilds, largest first (at most <paramref name="limit"/>), then the lobby.</summary>
    public VisitorGuildList ListGuilds(int limit)
    {
        var list = new VisitorGuildList();
        if (Joinable(registry.Running) is { } run)
        {
            var layout = run.Context.Layout;
            list.StormId = run.Id;
            list.Guilds.AddRange(layout.GuildIds
                .Select((id, index) => new VisitorGuild { Id = id, Members = layout.GuildSizes[index] })
                .OrderByDescending(g => g.Members).ThenBy(g => g.Id, StringComparer.Ordinal)
                .Take(limit is > 0 and <= 1_000 ? limit : DefaultGuildLimit));
        }
        list.Guilds.Add(new VisitorGuild { Id = Lobby });
        return list;
    }

    /// <summary>A pass for <paramref name="guild"/>: the running storm's, or the lobby.</summary>
    /// <exception cref="ArgumentException">The guild is neither the lobby nor one of the running storm's guilds.</exception>
    /// <exception cref="InvalidOperationException">No gateway can be found to connect to.</exception>
    public async Task<VisitorPass> IssueAsync(string guild, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(guild)) throw new ArgumentException("name a guild: one of the running storm's, or 'lobby'");
        var run = Joinable(registry.Running);
        IReadOnlyList<Uri> urls;
        string user;
        if (guild == Lobby)
        {
            user = VisitorBook.PrefixFor(Lobby) + Suffix();
            urls = [.. (await gateways.ResolveAsync(cancellationToken).ConfigureAwait(false)).Select(g => g.WebSocket)];
        }
        else
        {
            if (run is null || !run.Context.Layout.GuildIds.Contains(guild, StringComparer.Ordinal))
            {
                throw new ArgumentException(run is null
                    ? $"no storm runs now, so '{guild}' cannot be joined; join '{Lobby}', or start a storm first"
                    : $"'{guild}' is not a guild of storm {run.Id}; pick one ListVisitorGuilds offers, or '{Lobby}'");
            }
            user = VisitorBook.PrefixFor(run.Id) + Suffix();
            run.Context.Visitors.Admit(user, guild);
            urls = [.. run.Context.Gateways.Select(g => g.WebSocket)];
        }
        if (urls.Count == 0) throw new InvalidOperationException("no gateway is known to connect to");
        var pass = new VisitorPass
        {
            User = user,
            Token = tokens.Issue(user, [guild], Tier.Normal, PassLifetime),
            Guild = guild,
            StormId = guild == Lobby ? "" : run!.Id,
            ExpiresUnixMs = (time.GetUtcNow() + PassLifetime).ToUnixTimeMilliseconds(),
        };
        pass.Gateways.AddRange(urls.Select(u => u.ToString()));
        return pass;
    }

    /// <summary>Records one of a visitor's own messages coming back; false when the storm or the visitor is not known.</summary>
    public bool RecordEcho(VisitorEcho echo)
    {
        var run = registry.Find(echo.StormId);
        return run is { IsOver: false } && run.Context.Visitors.RecordEcho(echo.User, echo.RoundTripMs);
    }

    // Only a storm against Flux can be joined: the page speaks Flux's protocol.
    private static StormRun? Joinable(StormRun? run) => run is not null && run.Plan.Target == TargetKind.Flux ? run : null;

    private static string Suffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
}
