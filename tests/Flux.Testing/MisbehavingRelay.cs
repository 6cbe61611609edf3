using System.Net;
using System.Net.Sockets;
using Flux.Protocol.WebSockets;

namespace Flux.Testing;

/// <summary>What <see cref="MisbehavingRelay"/> does to every n-th <c>msg</c> frame.</summary>
public enum Misbehavior
{
    /// <summary>Sends it twice.</summary>
    Duplicate,

    /// <summary>Sends it after the next frame of the same connection (usually the next <c>msg</c>).</summary>
    Reorder,

    /// <summary>Never sends it, and says nothing.</summary>
    Drop,
}

/// <summary>
/// A WebSocket-aware loopback relay in front of a real gateway that breaks the delivery promise on purpose: it
/// passes everything through, except that every n-th <c>msg</c> frame from the gateway is duplicated, reordered or
/// silently dropped. A storm against it must fail: it is how the swarm's verdict is shown not to be fooled.
/// The client's frames and the opening handshake pass through untouched; server frames are unmasked, so the relay
/// only has to find their boundaries.
/// </summary>
public sealed class MisbehavingRelay : IAsyncDisposable
{
    private static readonly byte[] FluxMessagePrefix = """{"op":"msg","""u8.ToArray();

    /// <summary>How a SignalR hub's push of <c>message</c> begins (the JSON hub protocol writes type, then target).</summary>
    public static readonly byte[] SignalRMessagePrefix = """{"type":1,"target":"message","""u8.ToArray();

    /// <summary>How a Socket.IO server's <c>message</c> event begins (Engine.IO message, Socket.IO event).</summary>
    public static readonly byte[] SocketIoMessagePrefix = """42["message","""u8.ToArray();

    private readonly byte[] _messagePrefix;
    private readonly TimeSpan _quietFor;
    private readonly System.Diagnostics.Stopwatch _age = System.Diagnostics.Stopwatch.StartNew();

    private readonly Uri _gateway;
    private readonly Misbehavior _misbehavior;
    private readonly int _every;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private long _messages;
    private long _misbehaved;

    private MisbehavingRelay(Uri gateway, Misbehavior misbehavior, int every, byte[] messagePrefix, TimeSpan quietFor)
    {
        _messagePrefix = messagePrefix;
        _quietFor = quietFor;
        _gateway = gateway;
        _misbehavior = misbehavior;
        _every = every;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The relay's address, with the gateway's path and query: what a storm plan names instead of the gateway.</summary>
    public Uri WebSocketUri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{_gateway.PathAndQuery}");

    /// <summary>How many messages were duplicated, held back or dropped so far (a frame may carry several).</summary>
    public long Misbehaved => Interlocked.Read(ref _misbehaved);

    /// <param name="every">Every how many-th <c>msg</c> frame (over all connections) to misbehave on.</param>
    /// <param name="messagePrefix">How a chat message frame from the server begins: Flux's <c>msg</c> by default, or a peer's.</param>
    /// <param name="quietFor">
    /// Pass everything untouched this long first. A peer may push a message to a user before it says the user has
    /// joined, and the swarm rightly does not count those; misbehaving only once every user has joined keeps the count exact.
    /// </param>
    public static MisbehavingRelay Start(Uri gateway, Misbehavior misbehavior, int every, byte[]? messagePrefix = null, TimeSpan quietFor = default) =>
        new(gateway, misbehavior, every, messagePrefix ?? FluxMessagePrefix, quietFor);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets) socket.Dispose();
        }
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_sockets)
        {
            _sockets.Add(client);
            _sockets.Add(upstream);
        }
        try
        {
            await upstream.ConnectAsync(new DnsEndPoint(_gateway.Host, _gateway.Port), _stop.Token).ConfigureAwait(false);
            // Either direction ending ends both, as a real proxy would.
            await Task.WhenAny(CopyAsync(client, upstream), RelayFramesAsync(upstream, client)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
            lock (_sockets)
            {
                _sockets.Remove(client);
                _sockets.Remove(upstream);
            }
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    // The gateway's side: the HTTP response head as it is, then frame by frame, with every n-th msg frame misbehaved on.
    private async Task RelayFramesAsync(Socket gateway, Socket client)
    {
        var buffer = new byte[256 * 1024];
        int start = 0, end = 0;
        bool inHead = true;
        byte[]? held = null; // a msg frame held back, for Reorder
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start == 0) Array.Resize(ref buffer, buffer.Length * 2);
                    else
                    {
                        Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                        end -= start;
                        start = 0;
                    }
                }
                int read = await gateway.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0) return;
                end += read;
                var output = new List<byte[]>();
                if (inHead)
                {
                    int headEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n\r\n"u8);
                    if (headEnd < 0) continue;
                    output.Add(buffer.AsSpan(start, headEnd + 4).ToArray());
                    start += headEnd + 4;
                    inHead = false;
                }
                while (WebSocketFrameHeader.TryRead(buffer.AsSpan(start, end - start), out var header)
                       && end - start >= header.Length + header.PayloadLength)
                {
                    int size = header.Length + (int)header.PayloadLength;
                    byte[] frame = buffer.AsSpan(start, size).ToArray();
                    start += size;
                    bool isMsg = header.Opcode == WebSocketOpcode.Text && frame.AsSpan(header.Length).StartsWith(_messagePrefix);
                    if (held is not null)
                    {
                        output.Add(frame);
                        output.Add(held);
                        held = null;
                        continue;
                    }
                    if (!isMsg || _age.Elapsed < _quietFor)
                    {
                        output.Add(frame);
                        continue;
                    }
                    if (Interlocked.Increment(ref _messages) % _every != 0)
                    {
                        output.Add(frame);
                        continue;
                    }
                    // A peer may batch several messages in one frame (SignalR does): each of them misbehaves.
                    Interlocked.Add(ref _misbehaved, Occurrences(frame.AsSpan(header.Length), _messagePrefix));
                    switch (_misbehavior)
                    {
                        case Misbehavior.Duplicate:
                            output.Add(frame);
                            output.Add(frame);
                            break;
                        case Misbehavior.Reorder:
                            held = frame;
                            break;
                        case Misbehavior.Drop:
                            break;
                    }
                }
                if (start == end) start = end = 0;
                foreach (byte[] bytes in output)
                {
                    await client.SendAsync(bytes, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static int Occurrences(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> prefix)
    {
        int count = 0;
        for (int at; (at = payload.IndexOf(prefix)) >= 0; payload = payload[(at + prefix.Length)..]) count++;
        return count;
    }
}
