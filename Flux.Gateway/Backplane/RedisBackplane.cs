using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Flux.Gateway.Backplane;

/// <summary>The gateway's only door to Redis: publish, history, guild state, subscriptions and sessions.</summary>
internal sealed class RedisBackplane(IConnectionMultiplexer redis, IOptions<GatewayOptions> options, GatewayMetrics metrics, TimeProvider time)
{
    private readonly GatewayOptions _options = options.Value;
    private bool? _sharded;
    private IDatabase Database => redis.GetDatabase();

    /// <summary>
    /// Whether guild messages go over sharded pub/sub (see <see cref="GatewayOptions.PubSub"/>). In <c>Auto</c> it is
    /// decided, once, by the first connected server: a Redis Cluster of version 7 or later. Until a server is connected
    /// nothing is guessed: publishing or subscribing then fails as Redis being unavailable, so a subscription can never
    /// be made on one kind of channel while messages are published on the other.
    /// </summary>
    /// <exception cref="BackplaneUnavailableException">Auto, and no server is connected yet.</exception>
    public bool Sharded => _sharded ??= _options.PubSub switch
    {
        PubSubMode.Sharded => true,
        PubSubMode.Classic => false,
        _ => redis.GetServers().FirstOrDefault(s => s.IsConnected) is { } server
            ? server.ServerType == ServerType.Cluster && server.Version >= new Version(7, 0)
            : throw new BackplaneUnavailableException("Redis is not connected"),
    };

    public bool IsConnected => redis.IsConnected;

    public IConnectionMultiplexer Multiplexer => redis;

    /// <summary>Assigns the message's seq, appends it to history and publishes it, in one atomic script.</summary>
    /// <param name="refreshExpiry">Renew the expiry of the guild's keys (once per <see cref="GatewayOptions.GuildExpiryRenewInterval"/> per guild; see <c>GuildFanout.TakeExpiryRefresh</c>).</param>
    /// <param name="sessionEpoch">
    /// The epoch the sender's session joined the guild in: the message is published only into that lifetime of the
    /// guild's state, and otherwise refused (<see cref="PublishedPosition.Refused"/>).
    /// </param>
    /// <exception cref="BackplaneUnavailableException">
    /// Redis, or the shard that owns the guild, is not connected, or did not answer within
    /// <see cref="GatewayOptions.PublishTimeoutMs"/>. The script may still run: the message is not confirmed, not lost.
    /// </exception>
    public async Task<PublishedPosition> PublishAsync(string guild, MessageFrameTemplate frame, string? traceparent, bool refreshExpiry, string sessionEpoch)
    {
        if (!redis.IsConnected) throw new BackplaneUnavailableException("Redis is not connected");
        bool sharded = Sharded;
        var keys = BackplaneKeys.PublishKeys(guild);
        // On a cluster, a shard that died is known to the client library within milliseconds; asking it first answers
        // at once instead of after the library's own redirections and reconnect attempts.
        if (sharded && !OwnerIsConnected(keys[0])) throw new BackplaneUnavailableException("the Redis shard that owns the guild is not connected");
        using var span = GatewayActivities.StartRedisPublish(guild);
        long started = time.GetTimestamp();
        try
        {
            var result = await Database.ScriptEvaluateAsync(
                BackplaneScripts.Publish,
                keys,
                [
                    frame.Prefix, frame.Suffix, _options.HistoryLength, BackplaneKeys.Channel(guild, sharded).ToString(),
                    traceparent ?? string.Empty, _options.HistoryTtlSeconds, TrimSlack, NewEpoch(),
                    (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10, sharded ? "SPUBLISH" : "PUBLISH", sessionEpoch,
                    refreshExpiry ? "1" : "0",
                ]).WaitAsync(TimeSpan.FromMilliseconds(_options.PublishTimeoutMs), time).ConfigureAwait(false);
            metrics.Published(time.GetElapsedTime(started));
            var position = (RedisResult[])result!;
            return new PublishedPosition((long)position[0], (string)position[1]!);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    private bool OwnerIsConnected(RedisKey key)
    {
        try
        {
            return redis.GetServer(key).IsConnected;
        }
        catch (Exception ex) when (ex is RedisException or InvalidOperationException or NotSupportedException)
        {
            // No owner known for the slot (the cluster's map is being refreshed): let the publish itself find out.
            return true;
        }
    }

    // History may grow this far past its length before it is trimmed back.
    private int TrimSlack => Math.Max(16, _options.HistoryLength / 16);

    /// <summary>
    /// A candidate epoch, used only if the guild has none (its state is new, or was lost). Fresh on every call: a
    /// replica that reused one could recreate the very epoch other replicas knew, and a reset would go unnoticed.
    /// </summary>
    private static long NewEpoch() => Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>Up to <paramref name="max"/> frames after <paramref name="afterSeq"/>, with the guild's latest seq and epoch.</summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task<HistorySlice> ReadHistoryAsync(string guild, long afterSeq, int max)
    {
        try
        {
            var result = await Database.ScriptEvaluateAsync(
                BackplaneScripts.ReadHistory,
                [BackplaneKeys.Seq(guild), BackplaneKeys.History(guild), BackplaneKeys.Epoch(guild)],
                [afterSeq, max, NewEpoch(), _options.HistoryTtlSeconds]).ConfigureAwait(false);
            var items = (RedisResult[])result!;
            long latest = (long)items[0];
            long firstHeld = (long)items[1];
            string epoch = (string)items[2]!;
            var frames = new ReadOnlyMemory<byte>[items.Length - 3];
            for (int i = 0; i < frames.Length; i++)
            {
                frames[i] = (byte[])items[i + 3]!;
            }
            return new HistorySlice(latest, firstHeld, Math.Max(afterSeq + 1, firstHeld), epoch, frames);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidCastException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    /// <summary>The guild's current seq and epoch.</summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task<GuildState> GetGuildStateAsync(string guild)
    {
        try
        {
            var result = await Database.ScriptEvaluateAsync(
                BackplaneScripts.GuildState, [BackplaneKeys.Seq(guild), BackplaneKeys.Epoch(guild)], [NewEpoch(), _options.HistoryTtlSeconds]).ConfigureAwait(false);
            var items = (RedisResult[])result!;
            return new GuildState((long)items[0], (string)items[1]!);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidCastException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Redis's <c>maxmemory-policy</c>: the first evicting one of a cluster's nodes, or null when no server says (Garnet
    /// has none). Read over a short connection of its own: the gateway's connection is not allowed admin commands.
    /// </summary>
    public async Task<string?> GetEvictionPolicyAsync()
    {
        var admin = ConfigurationOptions.Parse(redis.Configuration);
        admin.AllowAdmin = true;
        admin.AbortOnConnectFail = false;
        admin.ClientName = "flux-gateway-check";
        string? found = null;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(admin).ConfigureAwait(false);
            foreach (var server in connection.GetServers().Where(s => s.IsConnected))
            {
                try
                {
                    var config = await server.ConfigGetAsync("maxmemory-policy").ConfigureAwait(false);
                    string? policy = config.Length > 0 ? config[0].Value : null;
                    if (policy is not null && (found is null || EvictionPolicyCheck.MayEvictGuildState(policy))) found = policy;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    // Not every Redis-protocol server has CONFIG GET.
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Unreachable now: the check is a warning at most then.
        }
        return found;
    }

    /// <summary>Subscribes to a guild's channel; messages are handed over in publish order.</summary>
    public Task<ChannelMessageQueue> SubscribeAsync(string guild) =>
        redis.GetSubscriber().SubscribeAsync(BackplaneKeys.Channel(guild, Sharded));

    /// <summary>Writes a session's user and guilds (or adds guilds) and starts its resume window.</summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task SaveSessionAsync(string session, string? user, IEnumerable<KeyValuePair<string, SessionGuild>> guilds)
    {
        try
        {
            await Database.ScriptEvaluateAsync(BackplaneScripts.SaveSession, [BackplaneKeys.Session(session)],
                [_options.ResumeWindowSeconds, .. SessionRecord.Fields(user, guilds)]).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Marks a session whose connection is being shed, so that the replica it resumes on readmits it through its gate.
    /// Not waited for: a mark lost to a Redis error only lets the session back in at once, as before marks existed.
    /// </summary>
    public void MarkSessionShed(string session) =>
        FireAndForget(() => Database.ScriptEvaluateAsync(BackplaneScripts.MarkSessionShed, [BackplaneKeys.Session(session)], [SessionRecord.ShedField], CommandFlags.FireAndForget));

    /// <summary>
    /// Renews the expiry of a guild's keys (<see cref="GatewayOptions.HistoryTtlSeconds"/>). Not waited for: a renewal
    /// lost to a Redis error is made again at the next one (<see cref="GatewayOptions.GuildExpiryRenewInterval"/>), a
    /// quarter of the ttl later at most.
    /// </summary>
    public void RenewGuild(string guild) =>
        FireAndForget(() => Database.ScriptEvaluateAsync(BackplaneScripts.RenewGuild, BackplaneKeys.PublishKeys(guild), [_options.HistoryTtlSeconds], CommandFlags.FireAndForget));

    /// <summary>Removes a session's shed mark once it has resumed. Not waited for, like the mark.</summary>
    public void ClearSessionShed(string session) =>
        FireAndForget(() => Database.HashDeleteAsync(BackplaneKeys.Session(session), SessionRecord.ShedField, CommandFlags.FireAndForget));

    // Queued for the connection's writer, never written or flushed on the calling thread (the shedding check marks
    // thousands of sessions in one tick). The mark is a hint: no failure of it may fail a close or a resume.
    private static void FireAndForget(Func<Task> command)
    {
        try
        {
            _ = command();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Redis is down, or the multiplexer was disposed at shutdown.
        }
    }

    /// <summary>Restarts a session's resume window; false when the session is gone from Redis.</summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task<bool> RenewSessionAsync(string session)
    {
        try
        {
            return await Database.KeyExpireAsync(BackplaneKeys.Session(session), TimeSpan.FromSeconds(_options.ResumeWindowSeconds)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Restarts a session's resume window; when the key is gone (Redis lost it, or it expired a moment ago), writes the
    /// record back whole from what the caller knows, with its shed mark if it had one.
    /// </summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task RenewOrRestoreSessionAsync(string session, string user, IEnumerable<KeyValuePair<string, SessionGuild>> guilds, bool shed = false)
    {
        if (await RenewSessionAsync(session).ConfigureAwait(false)) return;
        await SaveSessionAsync(session, user, guilds).ConfigureAwait(false);
        if (shed) MarkSessionShed(session);
    }

    /// <summary>The session, or null when it is unknown or its resume window has passed.</summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task<SessionRecord?> GetSessionAsync(string session)
    {
        try
        {
            return SessionRecord.From(await Database.HashGetAllAsync(BackplaneKeys.Session(session)).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }
}

/// <summary>
/// Redis could not be reached; sends answer with the <c>unavailable</c> error code. The message is for logs only:
/// it never goes to a client.
/// </summary>
internal sealed class BackplaneUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Where a published message landed: its seq, in the guild's epoch at that moment.</summary>
internal readonly record struct PublishedPosition(long Seq, string Epoch)
{
    /// <summary>
    /// Not published: the guild's state is in another epoch than the sender's session joined (Redis lost it since), and
    /// <see cref="Epoch"/> is the current one. Seqs start at 1, so seq 0 marks it.
    /// </summary>
    public bool Refused => Seq == 0;
}
