using System.Collections.Concurrent;
using Flux.Protocol.Auth;

namespace Flux.Gateway.Connections;

/// <summary>Every open connection on this replica, for the sweeper, shedding, drain and stats.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ClientConnection> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public void Add(ClientConnection connection) => _connections[connection.Id] = connection;

    public void Remove(ClientConnection connection) => _connections.TryRemove(connection.Id, out _);

    public ICollection<ClientConnection> Snapshot() => _connections.Values;

    public (int High, int Normal, int Low) CountByTier()
    {
        int high = 0, normal = 0, low = 0;
        foreach (var connection in _connections.Values)
        {
            if (!connection.IsIdentified || connection.IsClosing) continue;
            switch (connection.Tier)
            {
                case Tier.High: high++; break;
                case Tier.Low: low++; break;
                default: normal++; break;
            }
        }
        return (high, normal, low);
    }
}
