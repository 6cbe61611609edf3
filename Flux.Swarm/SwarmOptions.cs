namespace Flux.Swarm;

/// <summary>Settings of the swarm service, bound from the <c>Swarm</c> configuration section.</summary>
public sealed class SwarmOptions
{
    public const string Section = "Swarm";

    /// <summary>Gateway resource names resolved through service discovery (the AppHost sets them), e.g. <c>gateway-1</c>.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>
    /// Swarm agents' gRPC URLs (e.g. <c>http://127.0.0.1:5301</c>). With any, every storm started here is distributed:
    /// this process coordinates and runs shard 0, each agent runs one more shard (docs/protocol.md, "Distributed storms").
    /// </summary>
    public List<string> Agents { get; set; } = [];

    /// <summary>Storms target loopback addresses only, unless this is set.</summary>
    public bool AllowRemoteGateways { get; set; }

    /// <summary>How many storms the history in Redis keeps (the oldest are trimmed first), and ListStorms returns at most.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int HistoryLimit { get; set; } = 200;

    /// <summary>
    /// Seconds of steady load in the warm-up storm the service runs at start-up, before any storm of anyone's
    /// (<c>StormWarmUp</c>); 0 turns it off.
    /// </summary>
    public double WarmUpSeconds { get; set; } = 8;
}
