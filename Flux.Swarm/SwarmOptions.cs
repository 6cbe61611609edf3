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

    /// <summary>
    /// The shared key every call to SwarmControl and SwarmAgent must present (<c>x-flux-swarm-key</c>), and that this
    /// process presents to its agents (env <c>Swarm__Key</c>; the Aspire secret parameter <c>swarm-key</c>).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Required(ErrorMessage = "Swarm:Key (env Swarm__Key) is required: every call to SwarmControl and SwarmAgent must present it")]
    [System.ComponentModel.DataAnnotations.MinLength(Flux.Protocol.Security.ServiceKey.MinLength)]
    public string? Key { get; set; }

    /// <summary>
    /// Allow agents reached over plain http at an address off this machine (their key and the storm cross the network in
    /// clear; a warning is logged). Without it such an agent is refused: use https.
    /// </summary>
    public bool AllowInsecureAgents { get; set; }

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
