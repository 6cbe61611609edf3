using System.Net;
using System.Net.Sockets;

namespace Flux.Testing;

public static class FreePort
{
    // Below Linux's ephemeral range (32768–60999 by default). A port the kernel hands out for "any free port" comes from
    // that range, and so does the local port of every outgoing connection: a port picked there and released can be taken
    // by one of the thousands of connections a storm opens before the server that was meant to listen on it binds (or
    // binds again, after a restart fault). Seen in CI as a Redis cluster node failing with "Address already in use".
    private const int First = 15_000;
    private const int End = 32_000;

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port that was free a moment ago, outside the ephemeral range, and never handed out before by this
    /// process (so two servers started at once never get the same one).
    /// </summary>
    public static int Next()
    {
        lock (HandedOut)
        {
            for (int attempt = 0; attempt < 1_000; attempt++)
            {
                int port = Random.Shared.Next(First, End);
                if (HandedOut.Contains(port) || !IsFree(port)) continue;
                HandedOut.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free loopback port between {First} and {End} after 1,000 tries");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
