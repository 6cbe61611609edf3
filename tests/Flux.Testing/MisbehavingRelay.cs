using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Flux.Protocol.WebSockets;

namespace Flux.Testing;

/// <summary>What <see cref="MisbehavingRelay"/> does wrong, each one a gateway bug the swarm's verdict must catch.</summary>
public enum Misbehavior
{
    /// <summary>Sends every n-th <c>msg</c> frame twice.</summary>
    Duplicate,

    /// <summary>Sends every n-th <c>msg</c> frame after the next frame of the same connection (usually the next <c>msg</c>).</summary>
    Reorder,

    /// <summary>Never sends every n-th <c>msg</c> frame, and says nothing.</summary>
    Drop,

    /// <summary>
    /// A retried publish: every message whose seq is a multiple of n comes twice, the copy under the next seq, and every
    /// later seq of its guild moves up by one, as if the gateway had published it again. Seqs stay gap-free and every member
    /// sees the same ones (the choice is by seq, not by connection); only the nonce gives it away.
    /// </summary>
    Republish,

    /// <summary>
    /// A gateway that publishes one connection's sends concurrently: every n-th <c>send</c> of a connection is held back and
    /// passed on after that connection's next one, so the two are published, and reach every member, the other way round.
    /// </summary>
    ReorderSends,

    /// <summary>Every n-th <c>msg</c> frame loses its <c>ts</c>.</summary>
    StripTs,

    /// <summary>Every n-th <c>msg</c> frame has its <c>ts</c> moved a second into the future.</summary>
    ForgeTs,

    /// <summary>Every n-th <c>msg</c> frame has its <c>body</c> changed.</summary>
    AlterBody,

    /// <summary>Every n-th <c>msg</c> frame has its <c>from</c> changed.</summary>
    AlterFrom,

    /// <summary>Holds every frame to the client for <see cref="RelayOptions.StallMs"/> while the relay's window is open.</summary>
    Stall,

    /// <summary>Closes every connection with 4012 (slow consumer) once, when the window opens: healthy readers included.</summary>
    CloseWith4012,

    /// <summary>
    /// While the window is open, drops every n-th <c>send</c> of a connection, passes its next one on, then closes the
    /// connection with 1011 (as a gateway whose Redis call failed): the later send, published, proves the first was read.
    /// </summary>
    DropSendThenClose1011,
}

/// <summary>How a <see cref="MisbehavingRelay"/> misbehaves.</summary>
/// <param name="Every">Every how many-th frame (over all connections for <c>msg</c> frames, per connection for sends).</param>
/// <param name="MessagePrefix">How a chat message frame from the server begins: Flux's <c>msg</c> by default, or a peer's.</param>
/// <param name="QuietFor">
/// Pass everything untouched this long first. A peer may push a message to a user before it says the user has joined,
/// and the swarm rightly does not count those; misbehaving only once every user has joined keeps the count exact.
/// </param>
/// <param name="WindowFrom">When the window of <see cref="Misbehavior.Stall"/>, <see cref="Misbehavior.CloseWith4012"/> and
/// <see cref="Misbehavior.DropSendThenClose1011"/> opens, from the relay's first connection.</param>
/// <param name="WindowFor">How long that window stays open.</param>
/// <param name="StallMs">How long <see cref="Misbehavior.Stall"/> holds each frame.</param>
public sealed record RelayOptions(int Every = 40, byte[]? MessagePrefix = null, TimeSpan QuietFor = default, TimeSpan WindowFrom = default,
    TimeSpan WindowFor = default, int StallMs = 400, int HoldMs = 300);

/// <summary>
/// A WebSocket-aware loopback relay in front of a real gateway that breaks the gateway's promises on purpose: it passes
/// everything through except what its <see cref="Misbehavior"/> changes. A storm against it must fail, with the cause
/// and count of what it did: it is how the swarm's verdict is shown not to be fooled. Server frames are unmasked, so the
/// relay rewrites them freely; client frames are masked, and the relay only unmasks them to tell a <c>send</c>.
/// </summary>
public sealed class MisbehavingRelay : IAsyncDisposable
{
    private static readonly byte[] FluxMessagePrefix = """{"op":"msg","""u8.ToArray();
    private static readonly byte[] FluxReadyPrefix = """{"op":"ready","""u8.ToArray();
    private static readonly byte[] FluxSendPrefix = """{"op":"send","""u8.ToArray();

    /// <summary>How a SignalR hub's push of <c>message</c> begins (the JSON hub protocol writes type, then target).</summary>
    public static readonly byte[] SignalRMessagePrefix = """{"type":1,"target":"message","""u8.ToArray();

    /// <summary>How a Socket.IO server's <c>message</c> event begins (Engine.IO message, Socket.IO event).</summary>
    public static readonly byte[] SocketIoMessagePrefix = """42["message","""u8.ToArray();

    private readonly RelayOptions _options;
    private readonly byte[] _messagePrefix;
    // The relay's clock starts at its first connection (the storm's probe or first user), not when it was made: the
    // windows then follow the storm's own time, whatever the test's set-up cost on a busy machine.
    private long _firstConnectionAt;
    private readonly Uri _gateway;
    private readonly Misbehavior _misbehavior;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private long _messages;
    private long _misbehaved;

    private MisbehavingRelay(Uri gateway, Misbehavior misbehavior, RelayOptions options)
    {
        _options = options;
        _messagePrefix = options.MessagePrefix ?? FluxMessagePrefix;
        _gateway = gateway;
        _misbehavior = misbehavior;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The relay's address, with the gateway's path and query: what a storm plan names instead of the gateway.</summary>
    public Uri WebSocketUri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{_gateway.PathAndQuery}");

    /// <summary>
    /// How many times it misbehaved so far: messages duplicated, held back, dropped, republished, rewritten or stalled
    /// (a frame may carry several), sends swapped or dropped, connections closed.
    /// </summary>
    public long Misbehaved => Interlocked.Read(ref _misbehaved);

    /// <param name="every">Every how many-th <c>msg</c> frame (over all connections) to misbehave on.</param>
    /// <param name="messagePrefix">How a chat message frame from the server begins: Flux's <c>msg</c> by default, or a peer's.</param>
    /// <param name="quietFor">Pass everything untouched this long first (see <see cref="RelayOptions.QuietFor"/>).</param>
    public static MisbehavingRelay Start(Uri gateway, Misbehavior misbehavior, int every, byte[]? messagePrefix = null, TimeSpan quietFor = default) =>
        new(gateway, misbehavior, new RelayOptions(every, messagePrefix, quietFor));

    public static MisbehavingRelay Start(Uri gateway, Misbehavior misbehavior, RelayOptions options) => new(gateway, misbehavior, options);

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

    private TimeSpan Age => Volatile.Read(ref _firstConnectionAt) is var at and not 0 ? System.Diagnostics.Stopwatch.GetElapsedTime(at) : TimeSpan.Zero;

    private bool Quiet => Age < _options.QuietFor;

    private bool InWindow => Age >= _options.WindowFrom && Age < _options.WindowFrom + _options.WindowFor;

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
            Interlocked.CompareExchange(ref _firstConnectionAt, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
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
        var link = new Link(client, upstream);
        bool openedBeforeWindow = Age < _options.WindowFrom;
        try
        {
            await upstream.ConnectAsync(new DnsEndPoint(_gateway.Host, _gateway.Port), _stop.Token).ConfigureAwait(false);
            var toGateway = _misbehavior is Misbehavior.ReorderSends or Misbehavior.DropSendThenClose1011
                ? RelayClientFramesAsync(link)
                : CopyAsync(client, upstream);
            // Only connections open before the window are closed: the users' reconnects are left alone.
            var closer = _misbehavior == Misbehavior.CloseWith4012 && openedBeforeWindow ? CloseAtWindowAsync(link) : Task.Delay(Timeout.Infinite, _stop.Token);
            // Either direction ending ends both, as a real proxy would.
            await Task.WhenAny(toGateway, RelayServerFramesAsync(link), closer).ConfigureAwait(false);
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

    // The client's side, frame by frame after its request head: sends are held back or dropped as the misbehaviour says.
    private async Task RelayClientFramesAsync(Link link)
    {
        var reader = new FrameReader(link.Client, _stop.Token);
        int sends = 0;
        bool dropped = false, closed = false;
        try
        {
            if (await reader.ReadHeadAsync().ConfigureAwait(false) is not { } head) return;
            await link.ToGatewayAsync(head, _stop.Token).ConfigureAwait(false);
            while (await reader.ReadFrameAsync().ConfigureAwait(false) is { } frame)
            {
                if (closed) continue; // after the relay's close frame the client's input is discarded, as a gateway's is
                if (!IsSend(frame))
                {
                    // A send held back goes on before anything else of the client's (its close above all), but a
                    // heartbeat: those come every few hundred milliseconds, and would let almost no send be swapped.
                    if (!IsHeartbeat(frame) && link.TakeHeld() is { } pending) await link.ToGatewayAsync(pending, _stop.Token).ConfigureAwait(false);
                    await link.ToGatewayAsync(frame.Bytes, _stop.Token).ConfigureAwait(false);
                    continue;
                }
                sends++;
                if (_misbehavior == Misbehavior.ReorderSends)
                {
                    if (link.TakeHeld() is { } held)
                    {
                        // This send goes first, then the one held back: the gateway publishes them the other way round.
                        await link.ToGatewayAsync(frame.Bytes, _stop.Token).ConfigureAwait(false);
                        await link.ToGatewayAsync(held, _stop.Token).ConfigureAwait(false);
                        Interlocked.Increment(ref _misbehaved);
                    }
                    else if (!Quiet && sends % _options.Every == 0)
                    {
                        // Never for good: a send held back longer than HoldMs goes on alone, so a run's last sends are
                        // never swallowed.
                        link.Hold(frame.Bytes, TimeSpan.FromMilliseconds(_options.HoldMs));
                    }
                    else
                    {
                        await link.ToGatewayAsync(frame.Bytes, _stop.Token).ConfigureAwait(false);
                    }
                    continue;
                }
                if (!dropped && InWindow && sends % _options.Every == 0)
                {
                    dropped = true; // this send never reaches the gateway
                    Interlocked.Increment(ref _misbehaved);
                    continue;
                }
                await link.ToGatewayAsync(frame.Bytes, _stop.Token).ConfigureAwait(false);
                if (dropped)
                {
                    // Published a moment later, this send is the proof the dropped one was read; then the close, as from a
                    // gateway whose Redis call failed. The client closes its side once it reads the close frame.
                    await Task.Delay(300, _stop.Token).ConfigureAwait(false);
                    await link.ToClientAsync(CloseFrame(1011, "internal error"), _stop.Token).ConfigureAwait(false);
                    closed = true;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
    }

    // Sends a close frame with 4012 once the window opens; the client closes its side when it reads it, which ends the relay.
    private async Task CloseAtWindowAsync(Link link)
    {
        // A timer may fire a few milliseconds before the Stopwatch says the time has come (seen: 3,997 ms for 4,000):
        // wait again until it has, or every connection would find the window not yet open and be left alone.
        for (var wait = _options.WindowFrom - Age; wait > TimeSpan.Zero; wait = _options.WindowFrom - Age)
        {
            await Task.Delay(wait + TimeSpan.FromMilliseconds(1), _stop.Token).ConfigureAwait(false);
        }
        if (InWindow)
        {
            Interlocked.Increment(ref _misbehaved);
            await link.ToClientAsync(CloseFrame(4012, "slow consumer"), _stop.Token).ConfigureAwait(false);
        }
        await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
    }

    // The gateway's side: the HTTP response head as it is, then frame by frame, misbehaving as asked.
    private async Task RelayServerFramesAsync(Link link)
    {
        var reader = new FrameReader(link.Upstream, _stop.Token);
        byte[]? held = null; // a msg frame held back, for Reorder
        try
        {
            if (await reader.ReadHeadAsync().ConfigureAwait(false) is not { } head) return;
            await link.ToClientAsync(head, _stop.Token).ConfigureAwait(false);
            while (await reader.ReadFrameAsync().ConfigureAwait(false) is { } frame)
            {
                var output = new List<byte[]>();
                bool isText = frame.Header.Opcode == WebSocketOpcode.Text;
                bool isMsg = isText && frame.Payload.Span.StartsWith(_messagePrefix);
                if (held is not null)
                {
                    output.Add(frame.Bytes);
                    output.Add(held);
                    held = null;
                }
                else if (_misbehavior == Misbehavior.Republish && isText)
                {
                    Republish(frame, output);
                }
                else if (_misbehavior == Misbehavior.Stall)
                {
                    if (InWindow)
                    {
                        if (isMsg) Interlocked.Increment(ref _misbehaved);
                        await Task.Delay(_options.StallMs, _stop.Token).ConfigureAwait(false);
                    }
                    output.Add(frame.Bytes);
                }
                else if (!isMsg || Quiet || !IsMessageOn(_misbehavior) || Interlocked.Increment(ref _messages) % _options.Every != 0)
                {
                    output.Add(frame.Bytes);
                }
                else
                {
                    // A peer may batch several messages in one frame (SignalR does): each of them misbehaves.
                    Interlocked.Add(ref _misbehaved, Occurrences(frame.Payload.Span, _messagePrefix));
                    switch (_misbehavior)
                    {
                        case Misbehavior.Duplicate:
                            output.Add(frame.Bytes);
                            output.Add(frame.Bytes);
                            break;
                        case Misbehavior.Reorder:
                            held = frame.Bytes;
                            break;
                        case Misbehavior.Drop:
                            break;
                        default:
                            output.Add(Rewritten(frame.Payload.Span, _misbehavior));
                            break;
                    }
                }
                foreach (byte[] bytes in output) await link.ToClientAsync(bytes, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
    }

    private static bool IsMessageOn(Misbehavior misbehavior) => misbehavior is Misbehavior.Duplicate or Misbehavior.Reorder or Misbehavior.Drop
        or Misbehavior.StripTs or Misbehavior.ForgeTs or Misbehavior.AlterBody or Misbehavior.AlterFrom;

    // Seqs of a guild as a gateway that published every message whose seq is a multiple of Every twice would give them:
    // original seq s becomes s + (s - 1) / Every, and the copy of a republished one takes the seq after it.
    private void Republish(in Frame frame, List<byte[]> output)
    {
        var payload = frame.Payload.Span;
        if (payload.StartsWith(FluxReadyPrefix))
        {
            var ready = JsonNode.Parse(payload)!;
            foreach (var guild in ready["guilds"]?.AsArray() ?? [])
            {
                long seq = guild!["seq"]!.GetValue<long>();
                guild["seq"] = seq + seq / _options.Every; // the last seq, with the copies at or below it
            }
            output.Add(TextFrame(ready));
            return;
        }
        if (!payload.StartsWith(FluxMessagePrefix))
        {
            output.Add(frame.Bytes);
            return;
        }
        var message = JsonNode.Parse(payload)!;
        long original = message["seq"]!.GetValue<long>();
        long shifted = original + (original - 1) / _options.Every;
        message["seq"] = shifted;
        output.Add(TextFrame(message));
        if (original % _options.Every == 0)
        {
            message["seq"] = shifted + 1;
            output.Add(TextFrame(message));
            Interlocked.Increment(ref _misbehaved);
        }
    }

    private static byte[] Rewritten(ReadOnlySpan<byte> payload, Misbehavior misbehavior)
    {
        var message = JsonNode.Parse(payload)!.AsObject();
        switch (misbehavior)
        {
            case Misbehavior.StripTs:
                message.Remove("ts");
                break;
            case Misbehavior.ForgeTs:
                message["ts"] = (message["ts"]?.GetValue<long>() ?? 0) + 1_000_000;
                break;
            case Misbehavior.AlterBody:
                message["body"] = "tampered with " + message["body"]?.GetValue<string>();
                break;
            case Misbehavior.AlterFrom:
                message["from"] = "mallory";
                break;
        }
        return TextFrame(message);
    }

    private static bool IsSend(in Frame frame) => StartsWith(frame, FluxSendPrefix);

    private static bool IsHeartbeat(in Frame frame) => StartsWith(frame, Flux.Protocol.Wire.ClientFrameWriter.Heartbeat);

    private static bool StartsWith(in Frame frame, byte[] prefix)
    {
        if (frame.Header.Opcode != WebSocketOpcode.Text || !frame.Header.Masked) return false;
        var payload = frame.Payload.Span;
        Span<byte> start = stackalloc byte[Math.Min(prefix.Length, payload.Length)];
        WebSocketFrameHeader.Mask(payload[..start.Length], start, frame.Header.MaskKey, 0);
        return start.SequenceEqual(prefix);
    }

    private static byte[] TextFrame(JsonNode json) => ServerFrame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static byte[] CloseFrame(int code, string reason)
    {
        byte[] payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return ServerFrame(WebSocketOpcode.Close, payload);
    }

    private static byte[] ServerFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[WebSocketFrameHeader.SizeOf(payload.Length, masked: false) + payload.Length];
        int header = WebSocketFrameHeader.Write(frame, opcode, payload.Length);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    private static int Occurrences(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> prefix)
    {
        int count = 0;
        for (int at; (at = payload.IndexOf(prefix)) >= 0; payload = payload[(at + prefix.Length)..]) count++;
        return count;
    }

    /// <summary>One whole frame: its header, and its bytes as they came.</summary>
    private readonly record struct Frame(WebSocketFrameHeader Header, byte[] Bytes)
    {
        public ReadOnlyMemory<byte> Payload => Bytes.AsMemory(Header.Length);
    }

    /// <summary>Reads an HTTP head, then whole WebSocket frames, from one side of the relay.</summary>
    private sealed class FrameReader(Socket socket, CancellationToken stop)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<byte[]?> ReadHeadAsync()
        {
            while (true)
            {
                int headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
                if (headEnd >= 0)
                {
                    byte[] head = _buffer.AsSpan(_start, headEnd + 4).ToArray();
                    _start += headEnd + 4;
                    return head;
                }
                if (!await FillAsync().ConfigureAwait(false)) return null;
            }
        }

        public async Task<Frame?> ReadFrameAsync()
        {
            while (true)
            {
                if (WebSocketFrameHeader.TryRead(_buffer.AsSpan(_start, _end - _start), out var header)
                    && _end - _start >= header.Length + header.PayloadLength)
                {
                    int size = header.Length + (int)header.PayloadLength;
                    byte[] bytes = _buffer.AsSpan(_start, size).ToArray();
                    _start += size;
                    return new Frame(header, bytes);
                }
                if (!await FillAsync().ConfigureAwait(false)) return null;
            }
        }

        private async Task<bool> FillAsync()
        {
            if (_start == _end) _start = _end = 0;
            if (_end == _buffer.Length)
            {
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                else
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
            }
            int read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, stop).ConfigureAwait(false);
            _end += read;
            return read > 0;
        }
    }

    /// <summary>One relayed connection: both sockets, one writer at a time on each, and a send held back (ReorderSends).</summary>
    private sealed class Link(Socket client, Socket upstream)
    {
        private readonly SemaphoreSlim _toClient = new(1, 1);
        private readonly SemaphoreSlim _toGateway = new(1, 1);
        private byte[]? _held;

        public Socket Client { get; } = client;

        public Socket Upstream { get; } = upstream;

        public Task ToClientAsync(byte[] bytes, CancellationToken cancellationToken) => WriteAsync(Client, _toClient, bytes, cancellationToken);

        public Task ToGatewayAsync(byte[] bytes, CancellationToken cancellationToken) => WriteAsync(Upstream, _toGateway, bytes, cancellationToken);

        /// <summary>Holds a client's frame back; it goes on to the gateway by itself after <paramref name="atMost"/> unless taken first.</summary>
        public void Hold(byte[] frame, TimeSpan atMost)
        {
            Volatile.Write(ref _held, frame);
            _ = ReleaseLaterAsync(frame, atMost);
        }

        /// <summary>The frame held back, if it is still held (it is not any more).</summary>
        public byte[]? TakeHeld() => Interlocked.Exchange(ref _held, null);

        private async Task ReleaseLaterAsync(byte[] frame, TimeSpan atMost)
        {
            await Task.Delay(atMost).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref _held, null, frame) != frame) return;
            try
            {
                await ToGatewayAsync(frame, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        private static async Task WriteAsync(Socket socket, SemaphoreSlim gate, byte[] bytes, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
