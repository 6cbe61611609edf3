using StackExchange.Redis;

namespace Flux.Swarm.Faults;

/// <summary>
/// The restart-redis fault: restarts the backplane's server in place, over the Redis protocol itself. redis-server
/// restarts with <c>DEBUG RESTART</c> (Flux starts it with <c>--enable-debug-command local</c>, from an absolute path);
/// the embedded Garnet with <c>FLUX.RESTART</c>. A marker key written just before tells afterwards whether the server
/// came back with its data (an append-only file) or empty.
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

        if (!await TryAsync(db, "FLUX.RESTART") && !await TryAsync(db, "DEBUG", "RESTART"))
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

    // True when the server took the command: it answered OK, or dropped the connection as it restarted.
    private static async Task<bool> TryAsync(IDatabase db, string command, params object[] args)
    {
        try
        {
            await db.ExecuteAsync(command, args).ConfigureAwait(false);
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
