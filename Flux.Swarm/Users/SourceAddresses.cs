using System.Net;

namespace Flux.Swarm.Users;

/// <summary>
/// Spreads users over loopback source addresses (127.0.0.1, 127.0.0.2, …), <see cref="UsersPerAddress"/> each, when
/// the gateway is on this machine. A real population comes from many hosts: one address would run out of ephemeral
/// ports near 28,000 connections to one gateway, and would meet the gateway's per-address limits (10,000 sockets, 500
/// identifies a second) that exist for exactly that reason. 500 users an address (a large office behind one NAT) keeps
/// even a whole tier coming back at once, after it was shed, within the identify rate: with 5,000 an address, 1,600
/// shed users retrying were closed with 4008 (docs/benchmarks.md, "Overload"). On Linux all of 127.0.0.0/8 is
/// loopback; no setup needed.
/// </summary>
internal static class SourceAddresses
{
    public const int UsersPerAddress = 500;

    /// <summary>Where to connect from and to for this user, or null when the gateway is not a loopback address.</summary>
    public static (IPAddress Source, IPEndPoint Target)? For(Uri gateway, int userIndex)
    {
        IPAddress? target = gateway.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(gateway.Host, out var parsed) && parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && IPAddress.IsLoopback(parsed) ? parsed
            : null;
        if (target is null) return null;
        int block = userIndex / UsersPerAddress;
        // 127.0.0.1 … 127.0.0.254, then 127.0.1.1 …: far more than any storm needs.
        var source = new IPAddress(new byte[] { 127, 0, (byte)(block / 254), (byte)(1 + block % 254) });
        return (source, new IPEndPoint(target, gateway.Port));
    }
}
