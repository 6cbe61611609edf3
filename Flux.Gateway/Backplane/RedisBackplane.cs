using System.Collections.Concurrent;
using System.Diagnostics;
using Flux.Gateway.Telemetry;
using Flux.Protocol.Wire;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Flux.Gateway.Backplane;

/// <summary>The gateway's only door to Redis: publish, history, subscriptions and sessions.</summary>
internal sealed class RedisBackplane(IConnectionMultiplexer redis, IOptions<GatewayOptions> options, GatewayMetrics metrics)
{
    /// <summary>How often this replica refreshes a guild's history expiry while the guild is active.</summary>
    public static readonly TimeSpan ExpiryRefreshInterval = TimeSpan.FromHours(1);

    private readonly GatewayOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, long> _expiryRefreshedAt = new(StringComparer.Ordinal);
    private IDatabase Database => redis.GetDatabase();

    public bool IsConnected => redis.IsConnected;

    public IConnectionMultiplexer Multiplexer => redis;

    /// <summary>Assigns the message's seq, appends it to history and publishes it, in one atomic script.</summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task<long> PublishAsync(string guild, MessageFrameTemplate frame, string? traceparent)
    {
        if (!redis.IsConnected) throw new BackplaneUnavailableException("Redis is not connected");
        using var span = GatewayActivities.StartRedisPublish(guild);
        long started = Stopwatch.GetTimestamp();
        try
        {
            var result = await Database.ScriptEvaluateAsync(
                BackplaneScripts.Publish,
                [BackplaneKeys.Seq(guild), BackplaneKeys.History(guild)],
                [
                    frame.Prefix, frame.Suffix, _options.HistoryLength, BackplaneKeys.Channel(guild).ToString(),
                    traceparent ?? string.Empty, ExpiryDue(guild) ? _options.HistoryTtlSeconds : 0, TrimSlack,
                ]).ConfigureAwait(false);
            metrics.Published(Stopwatch.GetElapsedTime(started));
            return (long)result;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    // History may grow this far past its length before it is trimmed back.
    private int TrimSlack => Math.Max(16, _options.HistoryLength / 16);

    // True about once an hour per guild: a guild's history expires HistoryTtlSeconds after it was last active,
    // give or take the refresh interval.
    private bool ExpiryDue(string guild)
    {
        long now = Stopwatch.GetTimestamp();
        if (_expiryRefreshedAt.TryGetValue(guild, out long last) && Stopwatch.GetElapsedTime(last, now) < ExpiryRefreshInterval)
        {
            return false;
        }
        _expiryRefreshedAt[guild] = now;
        return true;
    }

    /// <summary>Up to <paramref name="max"/> frames after <paramref name="afterSeq"/>, with the guild's latest seq.</summary>
    /// <exception cref="BackplaneUnavailableException">Redis did not answer.</exception>
    public async Task<HistorySlice> ReadHistoryAsync(string guild, long afterSeq, int max)
    {
        try
        {
            var result = await Database.ScriptEvaluateAsync(
                BackplaneScripts.ReadHistory,
                [BackplaneKeys.Seq(guild), BackplaneKeys.History(guild)],
                [afterSeq, max]).ConfigureAwait(false);
            var items = (RedisResult[])result!;
            long latest = (long)items[0];
            long firstHeld = (long)items[1];
            var frames = new ReadOnlyMemory<byte>[items.Length - 2];
            for (int i = 0; i < frames.Length; i++)
            {
                frames[i] = (byte[])items[i + 2]!;
            }
            return new HistorySlice(latest, firstHeld, Math.Max(afterSeq + 1, firstHeld), frames);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidCastException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    public async Task<long> GetLatestSeqAsync(string guild)
    {
        try
        {
            var value = await Database.StringGetAsync(BackplaneKeys.Seq(guild)).ConfigureAwait(false);
            return value.IsNull ? 0 : (long)value;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    /// <summary>Subscribes to a guild's channel; messages are handed over in publish order.</summary>
    public Task<ChannelMessageQueue> SubscribeAsync(string guild) =>
        redis.GetSubscriber().SubscribeAsync(BackplaneKeys.Channel(guild));

    /// <summary>Records that a session belongs to a user, resumable for the resume window.</summary>
    public async Task SaveSessionAsync(string session, string user)
    {
        try
        {
            await Database.StringSetAsync(BackplaneKeys.Session(session), user, TimeSpan.FromSeconds(_options.ResumeWindowSeconds)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }

    /// <summary>The user a session belongs to, or null when it is unknown or its resume window has passed.</summary>
    public async Task<string?> GetSessionUserAsync(string session)
    {
        try
        {
            var value = await Database.StringGetAsync(BackplaneKeys.Session(session)).ConfigureAwait(false);
            return value.IsNull ? null : value.ToString();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BackplaneUnavailableException(ex.Message, ex);
        }
    }
}

/// <summary>Redis could not be reached; sends answer with the <c>unavailable</c> error code.</summary>
internal sealed class BackplaneUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
