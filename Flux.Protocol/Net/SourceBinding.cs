using System.Net;
using System.Net.Sockets;

namespace Flux.Protocol.Net;

/// <summary>
/// Binds a client socket to a chosen local address before it connects, leaving the port to the connect.
/// <para>
/// A plain <c>bind(addr, 0)</c> makes Linux pick a port at bind time, when the destination is not yet known, so it
/// must find a port free for every destination: a search over the whole ephemeral range that grows with the number of
/// sockets already bound. With thousands of reconnects a second (a swarm whose users are shed and come back) that
/// search was most of the swarm's CPU, all of it in the kernel (measured: <c>Socket.DoBind</c> 16 % of the swarm's
/// thread time, the machine at 50–100 % system time). <c>IP_BIND_ADDRESS_NO_PORT</c> defers the choice to
/// <c>connect()</c>, which only needs the four-tuple to be unique.
/// </para>
/// </summary>
public static class SourceBinding
{
    // From linux/in.h: the IPPROTO_IP level and the option's number.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    /// <summary>Binds <paramref name="socket"/> to <paramref name="source"/>; its port is chosen when it connects.</summary>
    public static void Bind(Socket socket, IPAddress source)
    {
        if (OperatingSystem.IsLinux() && source.AddressFamily == AddressFamily.InterNetwork)
        {
            try
            {
                socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
            }
            catch (SocketException)
            {
                // A kernel before 4.2: the port is chosen at bind, as without the option.
            }
        }
        socket.Bind(new IPEndPoint(source, 0));
    }
}
