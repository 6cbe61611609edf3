using System.Globalization;
using StackExchange.Redis;

namespace Flux.Gateway.Backplane;

/// <summary>
/// A resumable session as stored in Redis: a hash under <c>flux:session:&lt;id&gt;</c> with the user and, for each
/// guild the session has been in, the guild's epoch and the seq at which the session first joined it. A resume
/// whose guild has another epoch now is refused (4007), and a resume never replays from before the join. A session whose
/// connection was shed (1013) carries a <c>shed</c> field until it resumes: whichever replica it resumes on lets it in
/// through that replica's readmission gate (docs/protocol.md, "Load shedding").
/// </summary>
internal sealed record SessionRecord(string User, IReadOnlyDictionary<string, SessionGuild> Guilds, bool Shed = false)
{
    public const string UserField = "user";
    public const string ShedField = "shed";
    private const string GuildPrefix = "g:";

    /// <summary>The hash fields for a user and some guilds, as field, value pairs.</summary>
    public static RedisValue[] Fields(string? user, IEnumerable<KeyValuePair<string, SessionGuild>> guilds)
    {
        var fields = new List<RedisValue>();
        if (user is not null)
        {
            fields.Add(UserField);
            fields.Add(user);
        }
        foreach (var (guild, position) in guilds)
        {
            fields.Add(GuildPrefix + guild);
            fields.Add($"{position.Epoch} {position.JoinedAt.ToString(CultureInfo.InvariantCulture)}");
        }
        return [.. fields];
    }

    /// <summary>Reads a hash back; null when it has no user (missing, or not a Flux session).</summary>
    public static SessionRecord? From(HashEntry[] entries)
    {
        string? user = null;
        bool shed = false;
        var guilds = new Dictionary<string, SessionGuild>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            string name = entry.Name!;
            if (name == UserField)
            {
                user = entry.Value;
            }
            else if (name == ShedField)
            {
                shed = true;
            }
            else if (name.StartsWith(GuildPrefix, StringComparison.Ordinal))
            {
                string value = entry.Value!;
                int space = value.LastIndexOf(' ');
                if (space > 0 && long.TryParse(value.AsSpan(space + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out long joinedAt))
                {
                    guilds[name[GuildPrefix.Length..]] = new SessionGuild(value[..space], joinedAt);
                }
            }
        }
        return user is null ? null : new SessionRecord(user, guilds, shed);
    }
}

/// <summary>Where a session stands in one guild: the guild's epoch when it joined, and the seq it joined at.</summary>
internal readonly record struct SessionGuild(string Epoch, long JoinedAt);
