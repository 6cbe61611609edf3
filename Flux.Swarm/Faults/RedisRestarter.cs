using StackExchange.Redis;

namespace Flux.Swarm.Faults;

/// <summary>
/// The restart-redis fault: restarts the backplane's server in place, over the Redis protocol itself. redis-server
/// restarts with <c>DEBUG RESTART</c> (Flux starts it with <c>--enable-debug-command local</c>, from an absolute path);
/// the embedded Garnet with <c>FLUX.RESTART</c>. A marker key written just before tells afterwards whether the server
/// came back with its data (an append-only file) or empty. On a Redis Cluster it restarts the one master that holds the
/// marker: the guilds on that shard lose their state (or not), the others carry on.
/// </summary>
internal static class RedisRestarter
{
    private static readonly TimeSpan BackWithin = TimeSpan.FromSeconds(30);

    /// <summary>Restarts the server and waits until it answers again. Returns whether it came back empty.</summary>
    /// <exception cref="InvalidOperationException">The server restarts with neither command, or did not come back.</exception>
    public static async Task<bool> RestartAsync(string connectionString, string runId, CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        var db = redis.GetDatabase();
        RedisKey marker = $"flux:swarm:restart-marker:{runId}";
        await db.StringSetAsync(marker, "before the restart", TimeSpan.FromHours(1)).ConfigureAwait(false);
        // On a Redis Cluster the restart goes to the master that holds the marker (one shard, as a node failure would be),
        // so whether the marker survived says whether that shard came back with its data.
        var server = TargetServer(redis, marker);

        if (!await TryAsync(server, "FLUX.RESTART") && !await TryAsync(server, "DEBUG", "RESTART"))
        {
            throw new InvalidOperationException("the Redis server restarts with neither FLUX.RESTART (the embedded Garnet) nor " +
                "DEBUG RESTART (redis-server with enable-debug-command local, started from an absolute path)");
        }

        var deadline = DateTime.UtcNow + BackWithin;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await db.PingAsync().ConfigureAwait(false);
                return !await db.KeyExistsAsync(marker).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"Redis did not come back within {BackWithin.TotalSeconds:0} s", ex);
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static IServer TargetServer(ConnectionMultiplexer redis, RedisKey marker)
    {
        var any = redis.GetServer(redis.GetEndPoints()[0]);
        if (any.ServerType != ServerType.Cluster) return any;
        var owner = any.ClusterConfiguration?.GetBySlot(marker)
            ?? throw new InvalidOperationException("the cluster's configuration names no master for the restart marker's slot");
        return redis.GetServer(owner.EndPoint);
    }

    // True when the server took the command: it answered OK, or dropped the connection as it restarted.
    private static async Task<bool> TryAsync(IServer server, string command, params object[] args)
    {
        try
        {
            await server.ExecuteAsync(command, args).ConfigureAwait(false);
            return true;
        }
        catch (RedisServerException)
        {
            return false; // unknown or refused command
        }
        catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
        {
            return true;
        }
    }
}
