using StackExchange.Redis;

namespace Flux.Gateway.Backplane;

/// <summary>
/// Where a guild lives in Redis. The braces are a hash tag, so a guild's keys share a cluster slot and one
/// script may touch all of them.
/// </summary>
internal static class BackplaneKeys
{
    public static RedisKey Seq(string guild) => $"flux:guild:{{{guild}}}:seq";

    public static RedisKey History(string guild) => $"flux:guild:{{{guild}}}:history";

    /// <summary>Which lifetime of the guild's state this is; a new one means its seqs started over.</summary>
    public static RedisKey Epoch(string guild) => $"flux:guild:{{{guild}}}:epoch";

    /// <summary>The highest seq the guild reached in its epoch: a seq at or below it again means the seq went back.</summary>
    public static RedisKey Top(string guild) => $"flux:guild:{{{guild}}}:top";

    /// <summary>The keys of the publish script, in its order: seq, history, epoch, top.</summary>
    public static RedisKey[] PublishKeys(string guild) => [Seq(guild), History(guild), Epoch(guild), Top(guild)];

    /// <summary>
    /// The guild's channel. Sharded, it carries the guild's hash tag, so it lives on the shard that holds the guild's keys
    /// and the publish script (which declares those keys) may SPUBLISH to it.
    /// </summary>
    public static RedisChannel Channel(string guild, bool sharded) => sharded
        ? RedisChannel.Sharded($"flux:guild:{{{guild}}}:messages")
        : RedisChannel.Literal($"flux:guild:{guild}");

    public static RedisKey Session(string session) => $"flux:session:{session}";
}
