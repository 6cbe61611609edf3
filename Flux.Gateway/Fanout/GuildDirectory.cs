using System.Collections.Concurrent;
using Flux.Gateway.Backplane;
using Flux.Gateway.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Flux.Gateway.Fanout;

/// <summary>
/// The guilds with members on this replica. A guild is subscribed in Redis while it has local members
/// (and for a grace period after the last leaves), so a replica only receives the guilds it serves.
/// </summary>
internal sealed class GuildDirectory : IGuildHistory
{
    private const int CatchUpAttempts = 20;
    private static readonly TimeSpan CatchUpRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<string, GuildFanout> _guilds = new(StringComparer.Ordinal);
    private readonly RedisBackplane _backplane;
    private readonly GatewayOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<GuildDirectory> _logger;
    private readonly DelayedFanout _delay;

    public GuildDirectory(RedisBackplane backplane, IOptions<GatewayOptions> options, GatewayMetrics metrics, DelayedFanout delay, TimeProvider time,
        ILogger<GuildDirectory> logger)
    {
        _metrics = metrics;
        _backplane = backplane;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _delay = delay;
        backplane.Multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription) Log.RedisLost(_logger, e.FailureType.ToString());
        };
        backplane.Multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription) _ = CatchUpAllAsync();
        };
    }

    public int Count => _guilds.Count;

    /// <summary>Adds a recipient to a guild, joining (stashing live messages) until <see cref="GuildMember.GoLive"/>.</summary>
    /// <exception cref="BackplaneUnavailableException">The guild could not be subscribed.</exception>
    public async Task<GuildMember> JoinAsync(string guild, IGuildRecipient recipient)
    {
        while (true)
        {
            // GetOrAdd may build a losing instance under a race; it is never started, so it never subscribes.
            var fanout = _guilds.GetOrAdd(guild, static (id, self) => new GuildFanout(id, self, self._options.ReplayChunk, self._metrics, self._time, self._logger), this);
            var member = new GuildMember(fanout, recipient, _options.SendQueueMaxFrames);
            if (!fanout.TryAdd(member))
            {
                continue; // closed as idle a moment ago; a fresh one will be created
            }
            try
            {
                await fanout.EnsureStarted(SubscribeAsync).ConfigureAwait(false);
                return member;
            }
            catch (Exception ex)
            {
                fanout.Remove(member);
                _guilds.TryRemove(new KeyValuePair<string, GuildFanout>(guild, fanout));
                throw ex as BackplaneUnavailableException ?? new BackplaneUnavailableException(ex.Message, ex);
            }
        }
    }

    public static void Leave(GuildMember member) => member.Guild.Remove(member);

    /// <summary>
    /// Unsubscribes guilds that have had no local members for the idle grace period, and renews the expiry of the
    /// guilds that have members here, each once per <see cref="GatewayOptions.GuildExpiryRenewInterval"/>
    /// (<see cref="GuildFanout.TakeExpiryRefresh"/>, shared with the publishes): a guild in use keeps its keys in Redis
    /// even when nobody sends. Called once a second; see <see cref="RenewalsPerSweep"/>.
    /// </summary>
    public void SweepIdle()
    {
        var idleFor = TimeSpan.FromMilliseconds(_options.GuildIdleUnsubscribeMs);
        int renewals = RenewalsPerSweep(_guilds.Count, _options.GuildExpiryRenewInterval);
        foreach (var (id, fanout) in _guilds)
        {
            if (renewals > 0 && fanout.MemberCount > 0 && fanout.Started.IsCompletedSuccessfully && fanout.TakeExpiryRefresh(_options.GuildExpiryRenewInterval))
            {
                _backplane.RenewGuild(id);
                renewals--;
            }
            if (fanout.TryCloseIfIdle(idleFor) && _guilds.TryRemove(new KeyValuePair<string, GuildFanout>(id, fanout)))
            {
                if (fanout.Subscription is ChannelMessageQueue queue)
                {
                    _ = queue.UnsubscribeAsync();
                }
            }
        }
    }

    /// <summary>
    /// How many guilds one sweep renews at most: every guild a replica serves becomes due in the same second after a
    /// restart or a reconnect storm, and then again together each interval. So renewals are spread, at twice the pace
    /// that renews every guild once per interval (and at least 100 a second): the rest wait for the next sweeps.
    /// </summary>
    public static int RenewalsPerSweep(int guilds, TimeSpan interval) =>
        Math.Max(100, (int)Math.Ceiling(2.0 * guilds / Math.Max(1, interval.TotalSeconds)));

    Task<HistorySlice> IGuildHistory.ReadHistoryAsync(string guild, long afterSeq, int max) =>
        _backplane.ReadHistoryAsync(guild, afterSeq, max);

    // The subscription starts before the current seq (and epoch) is read, so every later message arrives live
    // (or, if the subscription took a moment to become active, is filled from history).
    private async Task SubscribeAsync(GuildFanout fanout)
    {
        var queue = await _backplane.SubscribeAsync(fanout.Id).ConfigureAwait(false);
        fanout.Subscription = queue;
        try
        {
            fanout.StartAt(await _backplane.GetGuildStateAsync(fanout.Id).ConfigureAwait(false));
        }
        catch
        {
            await queue.UnsubscribeAsync().ConfigureAwait(false);
            throw;
        }
        queue.OnMessage(message => OnMessage(fanout, message));
    }

    private Task OnMessage(GuildFanout fanout, ChannelMessage message)
    {
        long received = _time.GetTimestamp();
        if (!PublishedEnvelope.TryParse((ReadOnlyMemory<byte>)message.Message, out var envelope))
        {
            Log.UnreadableEnvelope(_logger, fanout.Id);
            return Task.CompletedTask;
        }
        if (_delay.HoldFor(received) is { } hold) return ProcessLaterAsync(fanout, envelope, received, hold);
        try
        {
            return fanout.ProcessAsync(envelope, PublishedTimestamp(envelope, received));
        }
        catch (Exception ex)
        {
            Log.FanoutFailed(_logger, fanout.Id, ex);
            return Task.CompletedTask;
        }
    }

    // The latency fault: the channel's next message waits for this one, so the guild's order holds.
    private async Task ProcessLaterAsync(GuildFanout fanout, PublishedEnvelope envelope, long received, TimeSpan hold)
    {
        await Task.Delay(hold, _time).ConfigureAwait(false);
        try
        {
            await fanout.ProcessAsync(envelope, PublishedTimestamp(envelope, received)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.FanoutFailed(_logger, fanout.Id, ex);
        }
    }

    /// <summary>Beyond this, a publish time is taken for clock trouble rather than lag, and the receive time is used.</summary>
    private static readonly TimeSpan MaxCredibleAge = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When the message was published, on this process's timestamp scale: the fan-out lag (which shedding watches) and
    /// the fan-out duration are measured from it, so a backlog in Redis or in this replica's subscription counts, not only
    /// the time after the message was read. The publisher's clock is another replica's: an age below zero counts as
    /// zero, and one over a minute falls back to the receive time.
    /// </summary>
    private long PublishedTimestamp(in PublishedEnvelope envelope, long received)
    {
        long nowMicroseconds = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        var age = TimeSpan.FromMicroseconds(Math.Max(0, nowMicroseconds - envelope.PublishedUnixMicroseconds));
        return age > MaxCredibleAge ? received : received - (long)(age.TotalSeconds * _time.TimestampFrequency);
    }

    // After a reconnect every guild is checked (and filled) again. A check that fails (Redis still loading, or gone
    // again) is retried: skipping it could leave a lost state unnoticed, so members would skip messages silently.
    private async Task CatchUpAllAsync()
    {
        Log.RedisRestored(_logger, _guilds.Count);
        foreach (var fanout in _guilds.Values)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await fanout.CatchUpAsync().ConfigureAwait(false);
                    break;
                }
                catch (Exception ex)
                {
                    if (attempt == CatchUpAttempts)
                    {
                        Log.CatchUpFailed(_logger, fanout.Id, attempt, ex);
                        foreach (var recipient in fanout.Recipients()) recipient.OnGuildStateLost(fanout.Id);
                        break;
                    }
                    await Task.Delay(CatchUpRetryDelay, _time).ConfigureAwait(false);
                }
            }
        }
    }
}
