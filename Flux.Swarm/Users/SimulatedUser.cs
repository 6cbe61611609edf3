using System.Net.Sockets;
using Flux.Protocol.Auth;
using Flux.Protocol.Wire;
using Flux.Swarm.Measurement;
using Flux.Swarm.Runs;
using Flux.Swarm.Telemetry;

namespace Flux.Swarm.Users;

/// <summary>
/// One simulated user: a WebSocket with one receive loop (zero-byte reads, pooled buffers), identify or resume,
/// heartbeats from the shared wheel, and sends from the shared scheduler. After any disconnect it reconnects to
/// the next gateway with jittered back-off and resumes from the last seq it saw, as a real client would.
/// </summary>
internal sealed partial class SimulatedUser
{
    private const int ConnectTimeoutMs = 10_000;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly StormContext _storm;
    private readonly HeartbeatWheel _heartbeats;
    private int _heartbeatPending;
    private readonly Random _random;
    private readonly Action<ReadOnlySpan<byte>> _onFrame;
    private GatewaySocket? _socket;
    private bool _readyOnThisConnection;
    private string? _session;
    private int _gatewayIndex;
    private int _heartbeatMs;
    private volatile bool _ready;
    private volatile bool _disconnectPlanned;
    private volatile bool _finished;
    private long _partitionedUntilUs;
    private long _pauseReadingUntilUs;
    private readonly List<ConnectionEnd> _cuts = [];

    public SimulatedUser(StormContext storm, int index, HeartbeatWheel heartbeats)
    {
        _storm = storm;
        _heartbeats = heartbeats;
        Index = index;
        // Unique per run: the gateways' per-user send limit counts a sliding 60 s window, so a storm started right
        // after another (or after the warm-up) must not inherit its users' sends.
        Id = $"{storm.RunId}-u{index}";
        GuildIndex = storm.Layout.UserGuild[index];
        Guild = storm.Layout.GuildIds[GuildIndex];
        _guildUtf8 = System.Text.Encoding.UTF8.GetBytes(Guild);
        _dialect = storm.Dialect;
        _gatewayIndex = index % storm.Gateways.Count;
        _random = new Random(storm.Seed ^ index);
        Token = storm.Tokens.Issue(Id, [Guild], storm.Layout.UserTier[index], TimeSpan.FromHours(2));
        _onFrame = frame =>
        {
            if (HandleFrame(frame)) _readyOnThisConnection = true;
        };
    }

    public int Index { get; }

    public string Id { get; }

    public int GuildIndex { get; }

    public string Guild { get; }

    public string Token { get; }

    public Tier Tier => _storm.Layout.UserTier[Index];

    /// <summary>Set when the run ended (after the drain) with this user not connected.</summary>
    public bool AwayAtEnd { get; set; }

    /// <summary>Which measurements this user's deliveries count towards; set when a fault picks it.</summary>
    public Cohort Cohort { get; private set; }

    /// <summary>The fault that picked this user (slow consumers, partition), or -1: what happens to it is that fault's.</summary>
    public int PickedBy { get; private set; } = -1;

    /// <summary>
    /// When this user's connection ended other than by its own choice (cut by a partition, dropped by a dying gateway,
    /// or closed by the gateway), and the fault that explains it: a send written just before may have died in the
    /// socket, or been discarded unread after the gateway's close frame.
    /// </summary>
    public IReadOnlyList<ConnectionEnd> Cuts
    {
        get
        {
            lock (_cuts) return [.. _cuts];
        }
    }

    /// <summary>Connected, identified or resumed, and not cut off: it may send.</summary>
    public bool IsReady => _ready;

    /// <summary>Connects and keeps reconnecting until the run stops.</summary>
    public async Task RunAsync()
    {
        var stopping = _storm.Stopping.Token;
        int failures = 0;
        while (!stopping.IsCancellationRequested && !_finished)
        {
            await WaitOutPartitionAsync(stopping).ConfigureAwait(false);
            if (stopping.IsCancellationRequested || _finished) break;
            var gateway = _storm.Gateways[_gatewayIndex % _storm.Gateways.Count];
            var uri = _dialect?.ConnectUri(gateway.WebSocket, Token) ?? gateway.WebSocket;
            var outcome = await ConnectAndServeAsync(uri, stopping).ConfigureAwait(false);
            if (stopping.IsCancellationRequested || _finished) break;
            Classify(outcome);
            failures = outcome.WasReady ? 0 : failures + 1;
            _gatewayIndex++; // resume on another replica, as a client would after losing one
            if (outcome.CloseCode == CloseCodes.InvalidSession) continue; // identify afresh at once
            await Task.Delay(Backoff(failures), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The partition fault: the connection drops abruptly and stays down for <paramref name="seconds"/>.</summary>
    public void Partition(double seconds, int fault)
    {
        Cohort = Cohort.Partitioned;
        PickedBy = fault;
        lock (_cuts) _cuts.Add(new ConnectionEnd(_storm.Clock.NowMicroseconds, fault));
        Volatile.Write(ref _partitionedUntilUs, _storm.Clock.NowMicroseconds + (long)(seconds * 1e6));
        _disconnectPlanned = true;
        _ready = false;
        _socket?.Abort();
    }

    /// <summary>The slow-consumer fault: stop reading for <paramref name="seconds"/>; sending and heartbeats go on.</summary>
    public void PauseReading(double seconds, int fault)
    {
        Cohort = Cohort.SlowConsumers;
        PickedBy = fault;
        Volatile.Write(ref _pauseReadingUntilUs, _storm.Clock.NowMicroseconds + (long)(seconds * 1e6));
    }

    /// <summary>Sends message <paramref name="messageId"/>, intended at <paramref name="intendedUs"/>. False if the user cannot send now.</summary>
    public bool TrySend(long messageId, long intendedUs, bool traced)
    {
        if (!_ready) return false;
        string nonce = messageId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? trace = null;
        using var activity = traced && _dialect is null ? SwarmActivities.StartMessageSend(_storm.StormTrace, Guild, messageId) : null;
        if (activity is not null) trace = activity.Id;
        var frame = _dialect?.Send(Guild, nonce, _storm.Body, intendedUs) ?? ClientFrameWriter.Send(Guild, nonce, _storm.Body, intendedUs, trace);
        _ = SendFrameAsync(frame, messageId);
        return true;
    }

    /// <summary>Called by the heartbeat wheel. While not ready the chain stops; the next ready starts it again.</summary>
    public void SendHeartbeat()
    {
        Volatile.Write(ref _heartbeatPending, 0);
        if (!_ready || _heartbeatMs <= 0) return;
        _ = SendFrameAsync(_dialect?.Heartbeat ?? ClientFrameWriter.Heartbeat, messageId: -1);
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

    private async Task<Outcome> ConnectAndServeAsync(Uri uri, CancellationToken stopping)
    {
        _disconnectPlanned = false;
        _readyOnThisConnection = false;
        GatewaySocket socket;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            connectTimeout.CancelAfter(ConnectTimeoutMs);
            socket = await GatewaySocket.ConnectAsync(uri, connectTimeout.Token, SourceAddresses.For(uri, Index)).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Interlocked.Increment(ref _storm.Counters.ConnectFailures);
            _storm.Effects.Add(_storm.FaultFor(PickedBy, _storm.Clock.NowSeconds), Effect.ConnectFailures);
            return new Outcome(false, null, ex.Message);
        }
        try
        {
            _socket = socket;
            if (Volatile.Read(ref _partitionedUntilUs) > _storm.Clock.NowMicroseconds)
            {
                // Cut off while connecting. The partition may have begun after this attempt cleared the flag (between
                // the last connection's end and this one's start): the cut is still the partition's, not a failed connect.
                _disconnectPlanned = true;
                socket.Abort();
            }
            if (_dialect is not null)
            {
                // A peer's heartbeat is fixed by its protocol (Flux's comes in hello); some peers want the client first.
                _heartbeatMs = _dialect.HeartbeatMs;
                if (_dialect.Opening is { } opening) await socket.SendTextAsync(opening).ConfigureAwait(false);
            }
            await ReceiveLoopAsync(socket, stopping).ConfigureAwait(false);
            return new Outcome(_readyOnThisConnection, socket.CloseStatus, null);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            return new Outcome(_readyOnThisConnection, socket.CloseStatus, ex.GetType().Name);
        }
        finally
        {
            _ready = false;
            if (_readyOnThisConnection) Interlocked.Decrement(ref _storm.Counters.Connected);
            _socket = null;
            socket.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(GatewaySocket socket, CancellationToken stopping)
    {
        while (true)
        {
            long pauseUntil = Volatile.Read(ref _pauseReadingUntilUs);
            long now = _storm.Clock.NowMicroseconds;
            if (pauseUntil > now)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(pauseUntil - now), stopping).ConfigureAwait(false);
            }
            if (!await socket.ReceiveAsync(_onFrame, stopping).ConfigureAwait(false)) return;
        }
    }

    private async Task SendFrameAsync(byte[] frame, long messageId)
    {
        if (_socket is not { } socket)
        {
            NotSent(messageId);
            return;
        }
        try
        {
            await socket.SendTextAsync(frame).ConfigureAwait(false);
            if (messageId >= 0)
            {
                Interlocked.Increment(ref _storm.Counters.Sent);
                _storm.Metrics.Sent();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            NotSent(messageId);
        }
    }

    private void NotSent(long messageId)
    {
        if (messageId < 0) return;
        _storm.Ledger.MarkNotSent(messageId);
        Interlocked.Increment(ref _storm.Counters.NotSent);
    }

    private async Task WaitOutPartitionAsync(CancellationToken stopping)
    {
        long until = Volatile.Read(ref _partitionedUntilUs);
        long now = _storm.Clock.NowMicroseconds;
        if (until <= now) return;
        // Reconnect with jitter after the partition heals, so a hundred clients do not arrive in the same millisecond.
        var wait = TimeSpan.FromMicroseconds(until - now) + TimeSpan.FromMilliseconds(_random.Next(0, 500));
        await Task.Delay(wait, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private TimeSpan Backoff(int failures)
    {
        double ms = Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 6)));
        return TimeSpan.FromMilliseconds(ms * (0.5 + _random.NextDouble() / 2));
    }

    // At most one heartbeat of this user is ever in the wheel: a reconnect while one is pending keeps it, instead of
    // starting a second chain (which, after a few reconnects, sent heartbeats fast enough to be closed with 4008).
    private void ScheduleHeartbeat()
    {
        if (Interlocked.Exchange(ref _heartbeatPending, 1) != 0) return;
        // Three quarters of the interval, so a late tick never costs the connection (the gateway allows two).
        long dueMs = _storm.Clock.NowMicroseconds / 1000 + _heartbeatMs * 3 / 4;
        _heartbeats.Schedule(this, dueMs);
    }

    private readonly record struct Outcome(bool WasReady, int? CloseCode, string? Error);
}

/// <summary>A connection that ended other than by the user's choice, in run microseconds, and the fault that explains it (-1: none).</summary>
internal readonly record struct ConnectionEnd(long AtMicroseconds, int Fault, int? CloseCode = null);
