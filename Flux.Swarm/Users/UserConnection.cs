using System.Net.Sockets;
using Flux.Protocol.Wire;
using Flux.Swarm.Runs;

namespace Flux.Swarm.Users;

/// <summary>
/// One user's connection loop: connect (from the user's loopback source address), serve the socket until it ends, then
/// reconnect to the next gateway with jittered back-off, as a real client would after losing a replica; the protocol
/// resumes from the last seq it saw. It owns the socket, its one receive loop (which the slow-consumer fault pauses) and
/// the partition fault's cut; how each connection ended goes to <see cref="SimulatedUser.ConnectionEnded"/>.
/// </summary>
internal sealed class UserConnection(StormContext storm, SimulatedUser user, HeartbeatWheel heartbeats, Random random)
{
    private const int ConnectTimeoutMs = 10_000;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private IClientProtocol _protocol = null!;
    private Action<ReadOnlySpan<byte>> _onFrame = null!;
    private GatewaySocket? _socket;
    private int _gatewayIndex = user.Index % storm.Gateways.Count;
    private bool _readyOnThisConnection;
    private int _heartbeatPending;
    private volatile bool _ready;
    private volatile bool _disconnectPlanned;
    private volatile bool _finished;
    private long _partitionedUntilUs;
    private long _pauseReadingUntilUs;
    private int _number;

    /// <summary>Connected, identified or resumed, and not cut off: the user may send.</summary>
    public bool IsReady => _ready;

    /// <summary>Which of the user's connections this is (from 1): sends of one connection are ordered, across them nothing is.</summary>
    public int Number => Volatile.Read(ref _number);

    /// <summary>The gateway (an index into the plan's) the user is connected or connecting to.</summary>
    public int GatewayIndex => _gatewayIndex % storm.Gateways.Count;

    /// <summary>Binds the protocol this connection speaks (it needs the connection to reply through, so it comes after).</summary>
    public void Speak(IClientProtocol protocol)
    {
        _protocol = protocol;
        _onFrame = frame =>
        {
            if (_protocol.Read(frame) && !_readyOnThisConnection)
            {
                _readyOnThisConnection = true;
                BecomeReady();
            }
        };
    }

    /// <summary>Connects and keeps reconnecting until the run stops.</summary>
    public async Task RunAsync()
    {
        var stopping = storm.Stopping.Token;
        int failures = 0;
        while (!stopping.IsCancellationRequested && !_finished)
        {
            await WaitOutPartitionAsync(stopping).ConfigureAwait(false);
            if (stopping.IsCancellationRequested || _finished) break;
            int gateway = GatewayIndex;
            var uri = _protocol.ConnectUri(storm.Gateways[gateway].WebSocket);
            var outcome = await ConnectAndServeAsync(uri, gateway, stopping).ConfigureAwait(false);
            if (stopping.IsCancellationRequested || _finished) break;
            _protocol.Ended(outcome.CloseCode);
            user.ConnectionEnded(outcome);
            failures = outcome.WasReady ? 0 : failures + 1;
            _gatewayIndex++; // resume on another replica, as a client would after losing one
            if (outcome.CloseCode == CloseCodes.InvalidSession) continue; // identify afresh at once
            await Task.Delay(Backoff(failures, outcome.RetryAfterMs), storm.Time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The partition fault: the connection drops abruptly and stays down until <paramref name="untilUs"/>.</summary>
    public void Cut(long untilUs)
    {
        Volatile.Write(ref _partitionedUntilUs, untilUs);
        _disconnectPlanned = true;
        _ready = false;
        _socket?.Abort();
    }

    /// <summary>The slow-consumer fault: stop reading until <paramref name="untilUs"/>; sending and heartbeats go on.</summary>
    public void PauseReading(long untilUs) => Volatile.Write(ref _pauseReadingUntilUs, untilUs);

    /// <summary>Writes one frame. False when there is no connection, or the write failed.</summary>
    public async Task<bool> SendAsync(byte[] frame)
    {
        if (_socket is not { } socket) return false;
        try
        {
            await socket.SendTextAsync(frame).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            return false;
        }
    }

    /// <summary>Called by the heartbeat wheel. While not ready the chain stops; the next ready starts it again.</summary>
    public void SendHeartbeat()
    {
        Volatile.Write(ref _heartbeatPending, 0);
        if (!_ready || _protocol.HeartbeatMs <= 0) return;
        _ = SendAsync(_protocol.Heartbeat);
        ScheduleHeartbeat();
    }

    /// <summary>Closes the connection normally at the end of the run.</summary>
    public async Task CloseAsync()
    {
        _finished = true;
        _ready = false;
        _disconnectPlanned = true;
        if (_socket is not { } socket) return;
        try
        {
            await socket.CloseAsync(1000, "storm over").WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or TimeoutException)
        {
        }
    }

    private async Task<ConnectionOutcome> ConnectAndServeAsync(Uri uri, int gateway, CancellationToken stopping)
    {
        _disconnectPlanned = false;
        _readyOnThisConnection = false;
        Interlocked.Increment(ref _number);
        GatewaySocket socket;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            connectTimeout.CancelAfter(ConnectTimeoutMs);
            socket = await GatewaySocket.ConnectAsync(uri, connectTimeout.Token, SourceAddresses.For(uri, user.Index)).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            bool timedOut = ex.InnerException is OperationCanceledException && !stopping.IsCancellationRequested;
            return new ConnectionOutcome(gateway, Connected: false, WasReady: false, Planned: false, CloseCode: null, ex.Message, timedOut);
        }
        try
        {
            _socket = socket;
            if (Volatile.Read(ref _partitionedUntilUs) > storm.Clock.NowMicroseconds)
            {
                // Cut off while connecting. The partition may have begun after this attempt cleared the flag (between
                // the last connection's end and this one's start): the cut is still the partition's, not a failed connect.
                _disconnectPlanned = true;
                socket.Abort();
            }
            if (_protocol.Opening is { } opening) await socket.SendTextAsync(opening).ConfigureAwait(false);
            await ReceiveLoopAsync(socket, stopping).ConfigureAwait(false);
            return new ConnectionOutcome(gateway, true, _readyOnThisConnection, _disconnectPlanned, socket.CloseStatus, null, RetryAfterMs: socket.RetryAfterMs);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            return new ConnectionOutcome(gateway, true, _readyOnThisConnection, _disconnectPlanned, socket.CloseStatus, ex.GetType().Name, RetryAfterMs: socket.RetryAfterMs);
        }
        finally
        {
            _ready = false;
            if (_readyOnThisConnection) Interlocked.Decrement(ref storm.Counters.Connected);
            _socket = null;
            socket.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(GatewaySocket socket, CancellationToken stopping)
    {
        while (true)
        {
            long pauseUntil = Volatile.Read(ref _pauseReadingUntilUs);
            long now = storm.Clock.NowMicroseconds;
            if (pauseUntil > now)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(pauseUntil - now), storm.Time, stopping).ConfigureAwait(false);
            }
            if (!await socket.ReceiveAsync(_onFrame, stopping).ConfigureAwait(false)) return;
        }
    }

    private void BecomeReady()
    {
        _ready = true;
        Interlocked.Increment(ref storm.Counters.Connected);
        ScheduleHeartbeat();
    }

    private async Task WaitOutPartitionAsync(CancellationToken stopping)
    {
        long until = Volatile.Read(ref _partitionedUntilUs);
        long now = storm.Clock.NowMicroseconds;
        if (until <= now) return;
        // Reconnect with jitter after the partition heals, so a hundred clients do not arrive in the same millisecond.
        var wait = TimeSpan.FromMicroseconds(until - now) + TimeSpan.FromMilliseconds(random.Next(0, 500));
        await Task.Delay(wait, storm.Time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    // Jittered exponential back-off; a shed close that said how long to stay away (its "after N ms") is obeyed, spread
    // over up to half as long again, so the users a replica shed together do not all come back in the same instant.
    private TimeSpan Backoff(int failures, int? retryAfterMs)
    {
        double ms = Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 6)));
        ms *= 0.5 + random.NextDouble() / 2;
        if (retryAfterMs is { } hint) ms = Math.Max(ms, hint * (1 + random.NextDouble() / 2));
        return TimeSpan.FromMilliseconds(ms);
    }

    // At most one heartbeat of this user is ever in the wheel: a reconnect while one is pending keeps it, instead of
    // starting a second chain (which, after a few reconnects, sent heartbeats fast enough to be closed with 4008).
    private void ScheduleHeartbeat()
    {
        if (Interlocked.Exchange(ref _heartbeatPending, 1) != 0) return;
        // Three quarters of the interval, so a late tick never costs the connection (the gateway allows two).
        long dueMs = storm.Clock.NowMicroseconds / 1000 + _protocol.HeartbeatMs * 3 / 4;
        heartbeats.Schedule(user, dueMs);
    }
}

/// <summary>How one connection of a user ended.</summary>
/// <param name="Gateway">The gateway it was to (an index into the plan's).</param>
/// <param name="Connected">The socket and the upgrade succeeded; false: the connect itself failed.</param>
/// <param name="WasReady">It became ready (identified or resumed) before it ended.</param>
/// <param name="Planned">The swarm ended it itself (a partition's cut).</param>
/// <param name="CloseCode">The server's close code, when it sent a close frame.</param>
/// <param name="Error">What broke it, otherwise.</param>
/// <param name="TimedOut">The connect (or its upgrade) did not finish within the connect timeout.</param>
/// <param name="RetryAfterMs">How long a shed close (1013) said to stay away, when it said.</param>
internal readonly record struct ConnectionOutcome(int Gateway, bool Connected, bool WasReady, bool Planned, int? CloseCode, string? Error, bool TimedOut = false, int? RetryAfterMs = null);
