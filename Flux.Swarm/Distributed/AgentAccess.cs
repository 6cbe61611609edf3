namespace Flux.Swarm.Distributed;

/// <summary>
/// How a coordinator reaches its agents: the swarm key it presents (they ask for it on every call), and whether an agent
/// off this machine may be reached over plain http. Such an agent would take the key, and hand out tokens for any
/// user, to anyone on the way: it is refused unless <see cref="AllowInsecure"/> says otherwise, and then warned about.
/// </summary>
internal sealed record AgentAccess(string? Key, bool AllowInsecure = false, Action<string>? WarnInsecure = null)
{
    /// <exception cref="ArgumentException">The agent is off this machine, over plain http, and that is not allowed.</exception>
    public void Check(Uri agent)
    {
        if (agent.Scheme != "http" || IsLoopback(agent)) return;
        if (!AllowInsecure)
        {
            throw new ArgumentException($"swarm agent {agent} is not on this machine and not https: its key and the storm would cross the network " +
                "in clear. Use https, or allow it explicitly (Swarm:AllowInsecureAgents, or --allow-insecure-agents)");
        }
        WarnInsecure?.Invoke(agent.ToString());
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.DnsSafeHost, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
