using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Flux.Gateway.Limits;

/// <summary>
/// The limits that span connections, on this replica: per user (how many connections, and one send limit shared by
/// all of them) and per client address (how many sockets, and how fast it may identify or resume). Entries are
/// forgotten by <see cref="Sweep"/> once nothing is open and their windows have passed, so reconnecting never
/// resets a limit.
/// </summary>
internal sealed class ClientLimits(IOptions<GatewayOptions> options, TimeProvider time)
{
    private readonly GatewayOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, UserState> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, AddressState> _addresses = new();

    /// <summary>A socket from <paramref name="address"/> opens; false when the address already holds the maximum.</summary>
    public bool TryOpen(IPAddress? address)
    {
        if (address is null) return true;
        int max = _options.Limits.MaxConnectionsPerIp;
        while (true)
        {
            var state = _addresses.GetOrAdd(address, _ => new AddressState(NewBucket()));
            lock (state.Gate)
            {
                if (state.Forgotten) continue;
                if (max > 0 && state.Connections >= max) return false;
                state.Connections++;
                return true;
            }
        }
    }

    /// <summary>A socket counted by <see cref="TryOpen"/> closed.</summary>
    public void Close(IPAddress? address)
    {
        if (address is null || !_addresses.TryGetValue(address, out var state)) return;
        lock (state.Gate) state.Connections--;
    }

    /// <summary>An identify or resume from <paramref name="address"/>; false when the address is over its rate.</summary>
    public bool TryIdentify(IPAddress? address)
    {
        if (address is null || !_addresses.TryGetValue(address, out var state)) return true;
        lock (state.Gate) return state.Identify.TryTake(time.GetTimestamp());
    }

    /// <summary>An identified connection of <paramref name="user"/>; null when the user already holds the maximum.</summary>
    public UserLease? TryAdmit(string user)
    {
        while (true)
        {
            var state = _users.GetOrAdd(user, _ => new UserState(new SlidingWindowLimiter(
                _options.RateLimitSends, TimeSpan.FromSeconds(_options.RateLimitWindowSeconds), time)));
            lock (state.Gate)
            {
                if (state.Forgotten) continue;
                if (state.Connections >= _options.Limits.MaxConnectionsPerUser) return null;
                state.Connections++;
                return new UserLease(state, time);
            }
        }
    }

    /// <summary>Forgets users and addresses with nothing open whose limits have fully recovered. Called by the sweeper.</summary>
    public void Sweep()
    {
        long now = time.GetTimestamp();
        foreach (var (user, state) in _users)
        {
            lock (state.Gate)
            {
                if (state.Connections > 0 || !state.Sends.IsIdle(now)) continue;
                state.Forgotten = true;
            }
            _users.TryRemove(new KeyValuePair<string, UserState>(user, state));
        }
        foreach (var (address, state) in _addresses)
        {
            lock (state.Gate)
            {
                if (state.Connections > 0 || !state.Identify.IsFull(now)) continue;
                state.Forgotten = true;
            }
            _addresses.TryRemove(new KeyValuePair<IPAddress, AddressState>(address, state));
        }
    }

    private TokenBucket NewBucket() => new(_options.Limits.IdentifyPerIpPerSecond, _options.Limits.IdentifyBurstPerIp, time);

    internal sealed class UserState(SlidingWindowLimiter sends)
    {
        public readonly Lock Gate = new();
        public readonly SlidingWindowLimiter Sends = sends;
        public int Connections;
        public bool Forgotten;
    }

    private sealed class AddressState(TokenBucket identify)
    {
        public readonly Lock Gate = new();
        public readonly TokenBucket Identify = identify;
        public int Connections;
        public bool Forgotten;
    }
}

/// <summary>One identified connection's share of its user's limits. Released exactly once, when the connection closes.</summary>
internal sealed class UserLease(ClientLimits.UserState state, TimeProvider time)
{
    private int _released;

    /// <summary>Counts a send against the user's limit, across all the user's connections on this replica.</summary>
    public bool TryAcquireSend()
    {
        long now = time.GetTimestamp();
        lock (state.Gate) return state.Sends.TryAcquire(now);
    }

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        lock (state.Gate) state.Connections--;
    }
}
