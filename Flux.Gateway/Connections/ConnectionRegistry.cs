using System.Collections.Concurrent;
using Flux.Protocol.Auth;

namespace Flux.Gateway.Connections;

/// <summary>Every open connection on this replica, for the sweeper, shedding, drain and stats.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ClientSession> _connections = new(StringComparer.Ordinal);
    private TaskCompletionSource? _emptyWaiter;
    private int _slots;
    private int _closedToNew;

    public int Count => _connections.Count;

    /// <summary>Takes one of <paramref name="max"/> WebSocket slots (no cap when null); false when all are taken.</summary>
    public bool TryTakeSlot(int? max)
    {
        if (Interlocked.Increment(ref _slots) <= (max ?? int.MaxValue)) return true;
        Interlocked.Decrement(ref _slots);
        return false;
    }

    public void ReleaseSlot() => Interlocked.Decrement(ref _slots);

    /// <summary>
    /// Registers <paramref name="connection"/>; false when a drain has begun, and then the connection must leave (1001) by
    /// itself. Either the drain's snapshot holds it or this says false: the 101 goes out before the connection
    /// registers, so a drain can start between the two.
    /// </summary>
    public bool Add(ClientSession connection)
    {
        _connections[connection.Id] = connection;
        // Full fence: the read below may not move before the write above (the drain does the mirror image).
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref _closedToNew) == 0;
    }

    /// <summary>From now on <see cref="Add"/> says false. Called by the drain before it takes its snapshot.</summary>
    public void CloseToNewConnections() => Interlocked.Exchange(ref _closedToNew, 1);

    public void Remove(ClientSession connection)
    {
        _connections.TryRemove(connection.Id, out _);
        if (_connections.IsEmpty) ReleaseEmptyWaiter();
    }

    public ICollection<ClientSession> Snapshot() => _connections.Values;

    /// <summary>Every connection, enumerated without a lock or a copy (connections may come and go meanwhile).</summary>
    public IEnumerable<ClientSession> Enumerate()
    {
        foreach (var pair in _connections) yield return pair.Value;
    }

    /// <summary>Completes when no connection is left (a drain waits on it); signalled by <see cref="Remove"/>, not polled.</summary>
    public Task WhenEmptyAsync()
    {
        if (_connections.IsEmpty) return Task.CompletedTask;
        var waiter = Volatile.Read(ref _emptyWaiter);
        if (waiter is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = Interlocked.CompareExchange(ref _emptyWaiter, created, null) ?? created;
        }
        // The last connection may have left between the check and the publication of the waiter.
        if (_connections.IsEmpty) ReleaseEmptyWaiter();
        return waiter.Task;
    }

    public (int High, int Normal, int Low) CountByTier()
    {
        int high = 0, normal = 0, low = 0;
        foreach (var (_, connection) in _connections)
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

    private void ReleaseEmptyWaiter() => Interlocked.Exchange(ref _emptyWaiter, null)?.TrySetResult();
}
