using Flux.Protocol.Control;
using Grpc.Core;

namespace Flux.Dashboard.Visitors;

/// <summary>
/// The page's way into a storm for a person: the swarm picks the guilds, signs the visitor's token and keeps the
/// round trips the browser measured (swarm_control.proto, the Visitor calls). The dashboard never holds a signing key.
/// </summary>
public sealed class VisitorDeskClient(SwarmControl.SwarmControlClient swarm, ILogger<VisitorDeskClient> logger)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public async Task<VisitorGuildList> GuildsAsync(CancellationToken cancellationToken) =>
        await swarm.ListVisitorGuildsAsync(new VisitorGuildsRequest(), deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <exception cref="RpcException">The swarm refused (the message says why) or is unreachable.</exception>
    public async Task<VisitorPass> PassAsync(string guild, CancellationToken cancellationToken) =>
        await swarm.IssueVisitorPassAsync(new VisitorPassRequest { Guild = guild }, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Hands the swarm one of the visitor's round trips; a swarm that cannot take it only costs the report that number.</summary>
    public async Task EchoedAsync(string stormId, string user, long seq, double roundTripMs)
    {
        try
        {
            await swarm.RecordVisitorEchoAsync(new VisitorEcho { StormId = stormId, User = user, Seq = seq, RoundTripMs = roundTripMs },
                deadline: DateTime.UtcNow + CallTimeout).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            logger.LogInformation("A visitor's round trip was not recorded: {Status}", ex.Status.Detail);
        }
    }
}
