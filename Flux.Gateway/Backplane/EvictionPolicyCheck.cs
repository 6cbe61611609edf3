using Flux.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Backplane;

/// <summary>
/// At start, reads Redis's <c>maxmemory-policy</c>. A policy that may evict any key (<c>allkeys-lru</c>,
/// <c>allkeys-lfu</c>, <c>allkeys-random</c>) can evict a guild's seq key, and the guild's seqs then go back: the gateway
/// refuses to start against it, unless <c>Gateway:AllowEvictingRedis</c> says to start anyway (with a critical warning).
/// <c>noeviction</c> and the <c>volatile-*</c> policies are fine: the seq and epoch keys have no expiry, so they are
/// never evicted. A Redis that is not up yet is checked when it connects, and then only warned about.
/// </summary>
internal sealed class EvictionPolicyCheck(RedisBackplane backplane, IOptions<GatewayOptions> options, ILogger<EvictionPolicyCheck> logger) : IHostedService
{
    private static readonly TimeSpan WaitForRedis = TimeSpan.FromSeconds(5);
    private int _checked;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + WaitForRedis;
        while (!backplane.IsConnected && DateTime.UtcNow < deadline) await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        if (!backplane.IsConnected)
        {
            backplane.Multiplexer.ConnectionRestored += (_, _) => _ = CheckAsync(refuse: false);
            return;
        }
        await CheckAsync(refuse: !options.Value.AllowEvictingRedis).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether a <c>maxmemory-policy</c> may evict keys that have no expiry.</summary>
    public static bool MayEvictAnyKey(string? policy) => policy is not null && policy.StartsWith("allkeys-", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="InvalidOperationException">The policy may evict any key, and the gateway should refuse to start.</exception>
    private async Task CheckAsync(bool refuse)
    {
        if (Interlocked.Exchange(ref _checked, 1) != 0) return;
        string? policy = await backplane.GetEvictionPolicyAsync().ConfigureAwait(false);
        if (!MayEvictAnyKey(policy)) return;
        Log.EvictingRedis(logger, policy!);
        if (refuse)
        {
            throw new InvalidOperationException(
                $"Redis's maxmemory-policy is {policy}, which may evict a guild's seq key (its seqs would go back). Set it to noeviction " +
                "(or a volatile- policy), or set Gateway:AllowEvictingRedis=true to start anyway.");
        }
    }
}
