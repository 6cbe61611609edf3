using Flux.Protocol.Control;
using Google.Protobuf;
using StackExchange.Redis;

namespace Flux.Swarm.Storms;

/// <summary>
/// Storm history in Redis, so it survives a swarm restart: each status under <c>flux:swarm:storm:{id}</c>,
/// and their ids in a sorted set by start time. It is capped: each save trims the oldest beyond the limit, so a Redis
/// shared with the gateways is not filled by storms over weeks.
/// </summary>
internal sealed class StormHistoryStore(IConnectionMultiplexer redis)
{
    // One hash tag for the index and every storm, so reading many at once (MGET) stays in one slot on a Redis Cluster.
    private static readonly RedisKey Index = "{flux:swarm}:storms";

    private IDatabase Database => redis.GetDatabase();

    /// <summary>Saves a status, then trims the history to the newest <paramref name="keep"/> (oldest first out).</summary>
    public async Task SaveAsync(StormStatus status, int keep)
    {
        var batch = Database.CreateBatch();
        var write = batch.StringSetAsync(Key(status.Id), status.ToByteArray());
        var index = batch.SortedSetAddAsync(Index, status.Id, status.StartedUnixMs);
        batch.Execute();
        await Task.WhenAll(write, index).ConfigureAwait(false);
        await TrimAsync(keep).ConfigureAwait(false);
    }

    /// <summary>How many storms the history holds.</summary>
    public Task<long> CountAsync() => Database.SortedSetLengthAsync(Index);

    private async Task TrimAsync(int keep)
    {
        // Ranks 0 .. count - keep - 1 are the oldest; negative stop -keep - 1 selects them without reading the count.
        var oldest = await Database.SortedSetRangeByRankAsync(Index, 0, -keep - 1).ConfigureAwait(false);
        if (oldest.Length == 0) return;
        await Database.KeyDeleteAsync(oldest.Select(id => Key(id.ToString())).ToArray()).ConfigureAwait(false);
        await Database.SortedSetRemoveAsync(Index, oldest).ConfigureAwait(false);
    }

    public async Task<StormStatus?> GetAsync(string id)
    {
        var value = await Database.StringGetAsync(Key(id)).ConfigureAwait(false);
        return value.IsNull ? null : StormStatus.Parser.ParseFrom((byte[])value!);
    }

    /// <summary>Newest first, without their reports.</summary>
    public async Task<IReadOnlyList<StormStatus>> ListAsync(int limit)
    {
        var ids = await Database.SortedSetRangeByRankAsync(Index, 0, limit - 1, Order.Descending).ConfigureAwait(false);
        if (ids.Length == 0) return [];
        var values = await Database.StringGetAsync(ids.Select(id => Key(id.ToString())).ToArray()).ConfigureAwait(false);
        var list = new List<StormStatus>(values.Length);
        foreach (var value in values)
        {
            if (value.IsNull) continue;
            var status = StormStatus.Parser.ParseFrom((byte[])value!);
            status.ReportJson = "";
            status.ReportMarkdown = "";
            list.Add(status);
        }
        return list;
    }

    private static RedisKey Key(string id) => $"{{flux:swarm}}:storm:{id}";
}
