using Flux.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Backplane;

/// <summary>
/// At start, reads Redis's <c>maxmemory-policy</c>. Any policy but <c>noeviction</c> can evict a guild's seq key (the
/// <c>allkeys-*</c> ones any key, the <c>volatile-*</c> ones any key with an expiry, which every key of a guild has), and
/// the guild's seqs then go back: the gateway refuses to start against it, unless <c>Gateway:AllowEvictingRedis</c> says
/// to start anyway (with a critical warning). A Redis that is not up yet is checked when it connects, and then only
/// warned about. A server that does not say (Garnet has no such setting) is taken as not evicting.
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

    /// <summary>Whether a <c>maxmemory-policy</c> may evict a guild's keys: every policy but <c>noeviction</c>.</summary>
    public static bool MayEvictGuildState(string? policy) => policy is not null && !policy.Equals("noeviction", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="InvalidOperationException">The policy may evict a guild's keys, and the gateway should refuse to start.</exception>
    private async Task CheckAsync(bool refuse)
    {
        if (Interlocked.Exchange(ref _checked, 1) != 0) return;
        string? policy = await backplane.GetEvictionPolicyAsync().ConfigureAwait(false);
        if (!MayEvictGuildState(policy)) return;
        Log.EvictingRedis(logger, policy!);
        if (refuse)
        {
            throw new InvalidOperationException(
                $"Redis's maxmemory-policy is {policy}, which may evict a guild's seq key (its seqs would go back). Set it to noeviction " +
                "or set Gateway:AllowEvictingRedis=true to start anyway.");
        }
    }
}
